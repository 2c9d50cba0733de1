"""Issuing certificate documents from files, so that a crash never loses or repeats one.

``kp issue cert.json`` writes ``cert.issued.json`` (the document, its salts, token id and
transaction) next to its input. Before anything is sent, the salts are written to
``cert.pending.json``, and the hash of the transaction that carries them is added before it is
sent; after the transaction, the issued file replaces it. Running the same command again therefore

* skips documents whose issued file exists,
* waits for a transaction an earlier run sent and did not see mined (a slow public chain), rather
  than sending the batch again,
* finishes documents that reached the chain but not the disk (same number, same commitment:
  the salts were kept), and
* sends the rest, with the salts already chosen.

The contract refuses a number twice, so no certificate is ever issued two times; and a number
already on chain for a different document is reported, not overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from kp_py._files import write_atomic
from kp_py._json import MAX_BYTES, loads_strict
from kp_py.client import KP
from kp_py.document import Document, PaperCertificate, Salts, new_salts, salts_from_json, salts_to_json
from kp_py.errors import ContractRevert, DocumentError, KPError, NotFound, error_class
from kp_py.issued import IssuedDocument, issued_path

MAX_FILE_BYTES = MAX_BYTES  # checked before reading, so that a huge file is never read in


@dataclass(frozen=True)
class FileResult:
    """What became of one input file."""

    source: Path
    number: str
    outcome: str  # "issued", "already issued" or "recovered"
    output: Path
    transaction: str


def pending_path(source: Path) -> Path:
    return source.with_name(source.stem + ".pending.json")


def read_bytes(path: Path) -> bytes:
    """The bytes of file ``path``, refused unread if larger than kp reads; errors name the file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(
                "(file)", f"is {size:,} bytes; a certificate document is at most 1 MB", str(path)
            )
        return path.read_bytes()
    except OSError as error:
        raise DocumentError("(file)", f"cannot be read ({error.strerror})", str(path)) from None


def read_json(path: Path) -> Any:
    """The JSON of file ``path``, read within kp's bounds (:mod:`kp_py._json`); errors name the file."""
    return loads_strict(read_bytes(path), source=str(path))


def read_document(path: Path) -> Document:
    """Read and validate one document file; errors name the file and the field."""
    data = read_json(path)
    try:
        return Document.from_dict(data)
    except DocumentError as error:
        raise DocumentError(error.field, error.problem, str(path)) from None


GENERATED = (".issued.json", ".pending.json", ".signed.json", ".confirmation.json", ".tmp")


def is_generated(path: Path) -> bool:
    """Files kp writes beside the documents, which a ``*.json`` in the shell also picks up."""
    return path.name.endswith(GENERATED)


def read_documents(paths: Sequence[Path]) -> list[tuple[Path, Document]]:
    """Validate every document file (the files kp writes beside them are skipped) before anything
    is sent; refuse a number given twice, or two inputs that would share an output file."""
    documents = [(path, read_document(path)) for path in paths if not is_generated(path)]
    numbers: dict[str, Path] = {}
    outputs: dict[Path, Path] = {}
    for path, document in documents:
        if document.number in numbers:
            raise DocumentError(
                "number", f"{document.number} is also in {numbers[document.number]}", str(path)
            )
        numbers[document.number] = path
        if issued_path(path) in outputs:
            raise KPError(
                f"{path} and {outputs[issued_path(path)]} would both be issued to {issued_path(path)}"
            )
        outputs[issued_path(path)] = path
    return documents


def issue_files(
    kp: KP,
    paths: Sequence[Path],
    *,
    batch_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    checked: Callable[[int, int], None] | None = None,
) -> list[FileResult]:
    """Issue the documents in ``paths`` in batches, exactly once each across re-runs. Every file is
    read, and each new document simulated against the chain (its route, origins and parents), before
    anything is written or sent: a refusal names its file and leaves nothing behind. ``checked`` and
    ``progress`` count files checked and issued."""
    if batch_size < 1:
        raise KPError(f"batch size must be at least 1, not {batch_size}")
    kp = KP(kp.w3, kp.deployment, kp.account, preflight=True, confirmations=kp.confirmations)
    results: list[FileResult] = []
    todo: list[tuple[Path, Document]] = []
    documents = read_documents(paths)
    issued_before = _issued_before(kp, documents)
    for done, (path, document) in enumerate(documents, start=1):
        if path in issued_before:
            results.append(issued_before[path])
            pending_path(path).unlink(missing_ok=True)  # left by a crash between the two renames
        else:
            if not pending_path(path).exists():  # one sent before is checked by the chain's answer
                _named(path, partial(_check_new, kp, document))
            todo.append((path, document))
        if checked:
            checked(done, len(documents))

    salted = [(path, document, *_pending(path)) for path, document in todo]
    done = len(results)
    total = len(results) + len(salted)
    for start in range(0, len(salted), batch_size):
        batch = salted[start : start + batch_size]
        for transaction in sorted({sent for *_, sent in batch if sent}):
            kp.settle(transaction)  # sent by an earlier run: wait for it, never send it again
        unsent = []
        for path, document, salts, _ in batch:
            recovered = kp.issued_document(document, salts)
            if recovered is None:
                unsent.append((path, document, salts))
            else:
                results.append(_finish(path, recovered, "recovered"))
        if unsent:
            results += _issue_batch(kp, unsent)
        done += len(batch)
        if progress:
            progress(done, total)
    return results


def _issued_before(kp: KP, documents: Sequence[tuple[Path, Document]]) -> dict[Path, FileResult]:
    """The documents whose issued file an earlier run wrote and the chain still holds, checked in a
    few round trips: the file alone is not proof, as a reorganisation may have dropped the issue.
    One the chain lost is issued again with the salts its file keeps (so its commitment, and any copy
    given to the holder, stay right); one the chain holds for another document is refused."""
    written = {}
    for path, document in documents:
        output = issued_path(path)
        if output.exists():
            previous = IssuedDocument.from_json(output.read_text(encoding="utf-8"))
            if previous.document.number != document.number:
                raise KPError(f"{output} is for {previous.document.number}, not {document.number}")
            written[path] = previous
    held = kp.certificates_of([previous.token_id for previous in written.values()]) if written else []
    found = {}
    for (path, previous), cert in zip(written.items(), held, strict=True):
        output = issued_path(path)
        if cert is None:
            # Dropped by a reorganisation: sent again with the same salts, as a pending issue would be.
            _write_pending(path, previous.salts, None)
            output.unlink()
        elif cert.commitment != previous.commitment:
            raise KPError(f"{output}: the chain holds {cert.number} for a different document")
        else:
            found[path] = FileResult(path, cert.number, "already issued", output, cert.transaction)
    return found


def _issue_batch(kp: KP, unsent: list[tuple[Path, Document, Salts]]) -> list[FileResult]:
    """Issue one batch; if the chain refuses it before anything is sent, name the file at fault and
    drop the salts of those never sent."""

    def journal(transaction: str) -> None:
        for path, _, salts in unsent:
            _write_pending(path, salts, transaction)

    try:
        issued = kp.issue_batch([d for _, d, _ in unsent], [s for _, _, s in unsent], on_signed=journal)
    except ContractRevert:
        for path, _, _ in unsent:
            if _pending_transaction(path) is None:
                pending_path(path).unlink(missing_ok=True)
        for path, document, salts in unsent:
            _named(path, partial(kp.check_issue, document, salts))
        raise
    return [_finish(path, one, "issued") for (path, _, _), one in zip(unsent, issued, strict=True)]


def _check_new(kp: KP, document: Document) -> None:
    """What the chain would refuse in issuing ``document``, but a number already on chain: whether
    it is this document (recovered) or another (refused) is told once salts are read."""
    try:
        kp.check_issue(document)
    except error_class("CertificateExists"):
        pass


def _named(path: Path, check: Callable[[], None]) -> None:
    """Run ``check``; a refusal is raised again with the file it concerns named first."""
    try:
        check()
    except KPError as error:  # the same class, so callers still branch on the refusal
        error.args = (f"{path}: {error}",)
        raise


def _pending_transaction(source: Path) -> str | None:
    try:
        return _pending(source)[1] if pending_path(source).exists() else None
    except KPError:
        return "unknown"  # damaged: keep it


def _pending(source: Path) -> tuple[Salts, str | None]:
    """The salts chosen for ``source`` by an earlier run and the transaction it sent them in, if
    any; or new salts, saved before any send."""
    pending = pending_path(source)
    if pending.exists():
        try:
            data = loads_strict(pending.read_bytes())
            salts = salts_from_json(data["salts"])
            transaction = data.get("transaction")
            if transaction is not None and not isinstance(transaction, str):
                raise TypeError
            return salts, transaction
        except (KeyError, ValueError, AttributeError, TypeError):  # DocumentError is a ValueError
            raise KPError(
                f"{pending} is damaged: check the chain for this number before removing it"
            ) from None
    salts = new_salts()
    _write_pending(source, salts, None)
    return salts, None


def _write_pending(source: Path, salts: Salts, transaction: str | None) -> None:
    sent = {"transaction": transaction} if transaction else {}
    write_secret(
        pending_path(source),
        json.dumps({"salts": salts_to_json(salts)} | sent, indent=2),
    )


def _finish(source: Path, issued: IssuedDocument, outcome: str) -> FileResult:
    output = issued_path(source)
    write_secret(output, issued.to_json())
    pending_path(source).unlink(missing_ok=True)
    return FileResult(source, issued.document.number, outcome, output, issued.transaction)


def write_secret(path: Path, text: str) -> None:
    """Write a file holding salts or keys: the owner's only, complete or not at all, never through
    a symlink planted beside it (:func:`kp_py._files.write_atomic`)."""
    write_atomic(path, text)


# ---------------------------------------------------------------------- paper certificates


def read_papers(paths: Sequence[Path]) -> list[tuple[Path, PaperCertificate]]:
    """Validate every paper certificate file before anything is sent; a number given twice is
    refused. Errors name the file and the field."""
    papers = []
    for path in paths:
        data = read_json(path)
        try:
            papers.append((path, PaperCertificate.from_dict(data)))
        except DocumentError as error:
            raise DocumentError(error.field, error.problem, str(path)) from None
    ids = [paper.id for _, paper in papers]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise KPError(f"paper certificate {twice[3:]} is given twice")
    return papers


def register_paper_files(
    kp: KP, paths: Sequence[Path], progress: Callable[[int, int], None] | None = None
) -> list[tuple[PaperCertificate, FileResult]]:
    """Register paper certificates from files (all validated first). Re-running after a crash
    skips those already on chain with the same figures ("already registered") and refuses one
    registered with other figures, so nothing is registered twice or skipped."""
    papers = read_papers(paths)
    results = []
    for done, (path, paper) in enumerate(papers, start=1):
        try:
            known = kp.root(paper.id)
        except NotFound:
            receipt = kp.register_paper(paper)
            transaction, outcome = "0x" + bytes(receipt["transactionHash"]).hex(), "registered"
        else:
            if (known.origins, known.carats, known.exporting) != (
                paper.origins,
                paper.carats,
                paper.exporting,
            ):
                raise KPError(f"{path}: {known.name} is already on chain with other figures")
            transaction, outcome = known.transaction, "already registered"
        results.append((paper, FileResult(path, paper.number, outcome, path, transaction)))
        if progress:
            progress(done, len(papers))
    return results
