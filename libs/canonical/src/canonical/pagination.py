"""Admin list pagination as every v1.7 client expects it: page, per_page, total, pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class Page:
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError("page must be >= 1 and per_page between 1 and 1000")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def envelope(self, key: str, rows: list[dict[str, Any]], total: int) -> dict[str, Any]:
        return {
            key: rows,
            "total": total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": max(1, math.ceil(total / self.per_page)),
        }
