"""The unit of work fulfilment handlers need: the inventory one, which also carries orders and picking."""

from typing import Annotated

from fastapi import Depends

from inventory.entrypoints.dependencies import unit_of_work
from inventory.service_layer.unit_of_work import PickFloorUnitOfWork

# The richest fulfilment contract (a short pick opens a count too); every fulfilment handler accepts it.
FulfilmentUow = Annotated[PickFloorUnitOfWork, Depends(unit_of_work)]
