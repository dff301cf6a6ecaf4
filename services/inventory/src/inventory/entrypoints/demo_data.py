"""The demo warehouse (v1.7's "apartment lab", domain.md Part L): sized to 61 printed barcode labels."""

from __future__ import annotations

WAREHOUSE_CODE = "APT-LAB"
WAREHOUSE_NAME = "Apartment Test Lab"

# code, name, type
ZONES = [
    ("RCV", "Receiving Area", "RECEIVING"),
    ("PICK", "Pick Zone", "PICKING"),
    ("BULK", "Bulk Storage", "STORAGE"),
    ("STAGE", "Staging Area", "STAGING"),
    ("SHIP", "Shipping Desk", "SHIPPING"),
    ("QC", "Quality Control", "STORAGE"),
]

# code, zone, type, aisle, row, level, pick sequence, description. Barcodes equal codes. The sequences
# make the serpentine walk: shelf 1 left to right, shelf 2 right to left, shelf 3 left to right.
BINS = [
    ("RECV-01", "RCV", "Staging", None, None, None, 0, "front door left"),
    ("RECV-02", "RCV", "Staging", None, None, None, 0, "front door right"),
    ("A-01-01", "PICK", "Pickable", "A", 1, 1, 100, "shelf 1 left"),
    ("A-01-02", "PICK", "Pickable", "A", 1, 2, 200, "shelf 1 centre"),
    ("A-01-03", "PICK", "Pickable", "A", 1, 3, 300, "shelf 1 right"),
    ("A-02-01", "PICK", "Pickable", "A", 2, 1, 400, "shelf 2 right"),
    ("A-02-02", "PICK", "Pickable", "A", 2, 2, 500, "shelf 2 centre"),
    ("A-02-03", "PICK", "Pickable", "A", 2, 3, 600, "shelf 2 left"),
    ("B-01-01", "PICK", "Pickable", "B", 1, 1, 700, "shelf 3 left"),
    ("B-01-02", "PICK", "Pickable", "B", 1, 2, 800, "shelf 3 centre"),
    ("B-01-03", "PICK", "Pickable", "B", 1, 3, 900, "shelf 3 right"),
    ("BULK-01", "BULK", "Pickable", None, None, None, 0, "closet/floor"),
    ("BULK-02", "BULK", "Pickable", None, None, None, 0, "closet/floor"),
    ("SHIP-01", "STAGE", "Pickable", None, None, None, 0, "desk left"),
    ("SHIP-02", "STAGE", "Pickable", None, None, None, 0, "desk right"),
    ("QC-01", "QC", "Staging", None, None, None, 0, "small box on desk"),
]

# name, category, weight (lb), home bin, quantity on hand there. SKU TST-0NN, UPC 1000000000NN.
ITEMS = [
    ("Dry Fly Assortment", "Flies", 0.05, "A-01-01", 50),
    ("Nymph Box", "Flies", 0.2, "A-01-02", 50),
    ("Floating Fly Line WF5", "Lines", 0.3, "A-01-03", 50),
    ("Sinking Tip Line", "Lines", 0.35, "A-02-01", 50),
    ("Wading Boots", "Footwear", 3.5, "A-02-02", 25),
    ("Felt Sole Kit", "Footwear", 0.8, "A-02-03", 10),
    ("Tippet Spool 5X", "Terminal", 0.02, "B-01-01", 100),
    ("Leader 9ft 4X", "Terminal", 0.01, "B-01-02", 15),
    ("4-Piece Rod 9ft 5wt", "Rods", 1.2, "B-01-03", 20),
    ("Rod Tube", "Accessories", 0.9, "B-01-03", 30),
    ("Fly Floatant", "Accessories", 0.1, "A-01-01", 12),
    ("Split Shot Pack", "Terminal", 0.05, "A-01-02", 20),
    ("Wader Repair Kit", "Repair", 0.15, "A-01-03", 8),
    ("Chest Waders", "Waders", 3.2, "A-02-01", 10),
    ("Large Arbor Reel", "Reels", 0.6, "A-02-02", 15),
    ("Spare Spool", "Reels", 0.4, "A-02-03", 40),
    ("Strike Indicators", "Terminal", 0.03, "B-01-01", 60),
    ("Fly Patch", "Accessories", 0.05, "B-01-02", 45),
    ("Sling Pack", "Packs", 1.1, "B-01-03", 35),
    ("Landing Net", "Accessories", 1.5, "BULK-01", 200),
]

SETTINGS = {
    "session_timeout_hours": "8",
    "require_packing_before_shipping": "true",
    "allow_over_receiving": "true",
}

# PO number, vendor, lines as (item number, quantity); all OPEN.
PURCHASE_ORDERS = [
    (
        "PO-2026-001",
        "Test Vendor A",
        [(1, 100), (2, 100), (3, 100), (4, 100), (5, 50), (6, 20), (7, 200), (8, 30), (9, 40), (10, 60)],
    ),
    ("PO-2026-002", "Test Vendor B", [(11, 25), (12, 25), (13, 15)]),
    ("PO-2026-003", "Test Vendor A", [(1, 50), (2, 50), (5, 25), (14, 20), (15, 30), (16, 80), (17, 100), (18, 75)]),
    ("PO-2026-004", "Test Vendor C", [(16, 50), (17, 50), (18, 50), (19, 50), (20, 50)]),
    ("PO-2026-005", "Test Vendor B", [(20, 100)]),
]


# SO number, customer, ship method, lines as (item number, quantity); all OPEN. The scenarios (Part L):
# 001-005 single lines, 006-010 several lines, 011-015 contention (five orders on TST-001 and TST-007,
# one combined task per bin in a wave), 016-018 a serpentine walk over every shelf plus bulk,
# 019 and 020 short picks (more wanted than is on hand).
SALES_ORDERS = [
    ("SO-2026-001", "Riverbend Outfitters", "GROUND", [(1, 2)]),
    ("SO-2026-002", "Mayfly Supply", "EXPRESS", [(5, 1)]),
    ("SO-2026-003", "Caddis Corner", "GROUND", [(8, 1)]),
    ("SO-2026-004", "Stonefly Sports", "EXPRESS", [(9, 1)]),
    ("SO-2026-005", "Big Sky Anglers", "GROUND", [(20, 5)]),
    ("SO-2026-006", "Riverbend Outfitters", "EXPRESS", [(3, 1), (11, 2), (17, 3)]),
    ("SO-2026-007", "Mayfly Supply", "GROUND", [(2, 2), (12, 1), (15, 1), (18, 2)]),
    ("SO-2026-008", "Caddis Corner", "EXPRESS", [(4, 1), (10, 1), (13, 1), (16, 2), (19, 1)]),
    ("SO-2026-009", "Stonefly Sports", "GROUND", [(6, 1), (14, 1), (17, 2)]),
    ("SO-2026-010", "Big Sky Anglers", "EXPRESS", [(1, 1), (7, 4), (12, 2), (18, 1)]),
    *[(f"SO-2026-0{n}", "Contention Test Co", "GROUND", [(1, 2), (7, 3)]) for n in range(11, 16)],
    ("SO-2026-016", "Serpentine Walkers", "GROUND", [(1, 1), (4, 1), (17, 1), (19, 1)]),
    ("SO-2026-017", "Serpentine Walkers", "EXPRESS", [(2, 1), (5, 1), (18, 1), (20, 2)]),
    ("SO-2026-018", "Serpentine Walkers", "GROUND", [(3, 1), (6, 1), (7, 1), (9, 1)]),
    ("SO-2026-019", "Short Pick Test", "GROUND", [(6, 99)]),
    ("SO-2026-020", "Short Pick Test", "EXPRESS", [(20, 999)]),
]


def sku(number: int) -> str:
    return f"TST-{number:03d}"


def upc(number: int) -> str:
    return f"1000000000{number:02d}"
