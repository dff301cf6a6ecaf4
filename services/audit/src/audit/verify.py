"""Offline verifier of an exported audit log: `python -m audit.verify` (or `sentry-audit-verify`).

Needs no database and no network: the export (JSON lines from
GET /api/admin/audit-log/export), the audit service's public key (pinned out
of band, not taken from the export), and optionally checkpoints anchored
elsewhere (e.g. saved from the `audit.checkpoint_signed` webhook) and proofs
saved from the proof endpoints.

Exit codes: 0 everything verifies, 1 tampering or corruption found (the
first bad position is printed on stderr), 2 usage error (bad arguments,
unreadable file or key).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tqdm import tqdm

from audit.domain import export
from audit.domain.checkpoint import CheckpointError, SignedCheckpoint, from_b64url
from audit.domain.verification import Finding, LogVerifier, check_consistency_proof, check_inclusion_proof

OK, TAMPERED, USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("export", nargs="?", help="exported log, JSON lines ('-' for stdin); optional with proofs only")
    parser.add_argument(
        "--public-key",
        required=True,
        help="the audit service's Ed25519 public key (base64url), or @FILE holding it;"
        " write --public-key=KEY, since a key may start with '-'",
    )
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="a signed checkpoint obtained elsewhere (JSON, or the audit.checkpoint_signed event); repeatable",
    )
    parser.add_argument("--inclusion", action="append", default=[], metavar="FILE", help="inclusion proof (JSON)")
    parser.add_argument("--consistency", action="append", default=[], metavar="FILE", help="consistency proof (JSON)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (it shows only on a terminal)")

    return parser


def _public_key(value: str) -> Ed25519PublicKey:
    text = Path(value[1:]).read_text(encoding="utf-8").strip() if value.startswith("@") else value.strip()
    try:
        raw = from_b64url(text)
        if len(raw) != 32:
            raise ValueError("not 32 bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise UsageError(f"--public-key is not an Ed25519 public key (base64url of 32 bytes): {error}") from None


def _json_file(path: str) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path} is not a JSON object")
    return document


def _checkpoint_file(path: str) -> SignedCheckpoint:
    document = _json_file(path)
    if "tree_size" not in document and isinstance(document.get("data"), dict):
        document = document["data"]  # the CloudEvent a webhook delivered
    try:
        return SignedCheckpoint.from_json(document)
    except CheckpointError as error:
        raise UsageError(f"{path}: {error}") from None


# About 4 MiB of lines per json.loads call: large enough to amortise the call, small enough to stream.
_CHUNK_BYTES = 1 << 22


def _export_chunks(path: str) -> Iterator[list[bytes]]:
    stream: BinaryIO
    if path == "-":
        stream = sys.stdin.buffer
    else:
        try:
            stream = Path(path).open("rb")  # noqa: SIM115 (closed below, after the generator is drained)
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error}") from None
    with stream:
        while lines := stream.readlines(_CHUNK_BYTES):
            yield lines


def _malformed(line: int, error: Exception) -> Finding:
    return Finding(line, "malformed_export", f"line {line} is not an export record: {error}")


def _verify_export(
    path: str, public_key: Ed25519PublicKey, anchored: list[SignedCheckpoint], show_progress: bool
) -> tuple[Finding | None, str]:
    verifier = LogVerifier(anchored, public_key)
    # Checkpoints inside the export are verified like anchored ones (signature, root, head hash),
    # so an export cannot vouch for itself with a swapped checkpoint. (Spreading parsing and
    # rehashing over processes was measured slower on two cores: pickling costs what it saves.)
    progress = tqdm(unit=" lines", disable=None if show_progress else True, file=sys.stderr)
    first_line = 1
    try:
        for lines in _export_chunks(path):
            records, offsets, bad_line = export.decode_lines(lines)
            try:
                if (finding := export.feed(verifier, records)) is not None:
                    break
            except export.MalformedRecord as error:
                return _malformed(first_line + offsets[error.offset], error), ""
            if bad_line is not None:
                return _malformed(first_line + bad_line.offset, bad_line), ""
            first_line += len(lines)
            progress.update(len(lines))
    finally:
        progress.close()
    finding = verifier.finish()
    report = verifier.report()
    summary = (
        f"ok: {report.entries} entries, {report.checkpoints_verified} checkpoints verified,"
        f" {report.anchored_size} entries covered by a signed checkpoint"
    )
    if report.anchored_size < report.entries:
        summary += f" ({report.entries - report.anchored_size} newer ones are chained but not yet checkpointed)"
    return finding, summary


def run(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if not (arguments.export or arguments.inclusion or arguments.consistency):
        _parser().print_usage(sys.stderr)
        print("audit.verify: give an export, or proofs to check", file=sys.stderr)
        return USAGE
    try:
        public_key = _public_key(arguments.public_key)
        anchored = [_checkpoint_file(path) for path in arguments.checkpoint]
        findings: list[tuple[str, Finding]] = []
        summaries: list[str] = []
        for path in arguments.inclusion:
            if (finding := check_inclusion_proof(_json_file(path), public_key)) is not None:
                findings.append((path, finding))
        for path in arguments.consistency:
            if (finding := check_consistency_proof(_json_file(path), public_key)) is not None:
                findings.append((path, finding))
        if arguments.export:
            finding, summary = _verify_export(arguments.export, public_key, anchored, not arguments.no_progress)
            if finding is not None:
                findings.append((arguments.export, finding))
            summaries.append(summary)
    except UsageError as error:
        print(f"audit.verify: {error}", file=sys.stderr)
        return USAGE
    if findings:
        for source, finding in findings:
            print(
                f"TAMPERED {source}: first bad position {finding.position} ({finding.problem}): {finding.message}",
                file=sys.stderr,
            )
        return TAMPERED
    proofs = len(arguments.inclusion) + len(arguments.consistency)
    if proofs:
        summaries.append(f"ok: {proofs} proof(s) verified")
    print("\n".join(summaries))
    return OK


def main() -> None:
    raise SystemExit(run())


if __name__ == "__main__":
    main()
