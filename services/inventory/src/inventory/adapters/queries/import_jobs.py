"""Background import jobs: created by the request, advanced by the running import, read by the client."""

from __future__ import annotations

from typing import Any

import asyncpg


async def create_job(pool: asyncpg.Pool, job_id: str, entity_type: str, actor: str, total: int) -> None:
    await pool.execute(
        "INSERT INTO import_jobs (job_id, entity_type, created_by, status, total) VALUES ($1, $2, $3, 'running', $4)",
        job_id,
        entity_type,
        actor,
        total,
    )


async def record_progress(pool: asyncpg.Pool, job_id: str, processed: int) -> None:
    await pool.execute("UPDATE import_jobs SET processed = $2, updated_at = now() WHERE job_id = $1", job_id, processed)


async def finish_job(pool: asyncpg.Pool, job_id: str, status: str, result: dict[str, Any]) -> None:
    await pool.execute(
        "UPDATE import_jobs SET status = $2, result = $3, updated_at = now() WHERE job_id = $1",
        job_id,
        status,
        result,  # the pool's jsonb codec encodes it
    )


async def job(pool: asyncpg.Pool, job_id: str) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        "SELECT job_id::text, entity_type, created_by, status, total, processed, result, created_at, updated_at"
        " FROM import_jobs WHERE job_id = $1",
        job_id,
    )
    if row is None:
        return None
    return {**dict(row), "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat()}
