"""The FastAPI app factory and runtime every service is built on."""
