"""HTTP app, Kafka workers and CLIs."""
