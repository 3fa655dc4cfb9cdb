"""The registered plan's files as one act: written into a hidden folder beside the destination
first, moved into place only while the registration is being recorded, and taken back if that
fails, so a failed `lotgenoot study register` leaves nothing that looks registered."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from experiments.outputs.sap import render_html, render_markdown
from experiments.protocol import Protocol, protocol_sha256

__all__ = ["StagedPlan", "stage_plan"]


@dataclass
class StagedPlan:
    """The plan's files, ready in `staging`; `publish` moves them to `out` (the hash last)."""

    sha256: str
    staging: Path
    out: Path
    names: list[str]  # in the order they are moved: the .sha256 file, which `sha256sum -c`
    # reads, last
    _moved: list[str] = field(default_factory=list)
    _created: bool = False

    @property
    def paths(self) -> list[Path]:
        """Where the files are once published."""
        return [self.out / name for name in self.names]

    def publish(self) -> None:
        """Move every file into `out`; an earlier file of the same name is kept aside until
        `discard`, so `withdraw` can put it back. Raises OSError (after withdrawing) on failure."""
        try:
            if not self.out.exists():
                self.out.mkdir(parents=True)
                self._created = True
            for name in self.names:
                target = self.out / name
                if target.exists():
                    os.replace(target, self.staging / f"{name}.before")
                self._moved.append(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.staging / name, target)
        except OSError:
            self.withdraw()
            raise

    def withdraw(self) -> None:
        """Undo `publish`: remove what it moved and restore what it replaced."""
        for name in reversed(self._moved):
            (self.out / name).unlink(missing_ok=True)
            before = self.staging / f"{name}.before"
            if before.exists():
                os.replace(before, self.out / name)
        self._moved.clear()
        if self._created:
            shutil.rmtree(self.out, ignore_errors=True)
            self._created = False

    def discard(self) -> None:
        """Remove the staging folder (after publishing, or instead of it)."""
        shutil.rmtree(self.staging, ignore_errors=True)


def stage_plan(protocol: Protocol, source: Path, out: Path, when: datetime) -> StagedPlan:
    """Render sap.md, sap.html, a copy of the protocol file and its SHA-256 (`sha256sum -c`)
    into a hidden folder beside `out`; nothing appears in `out` yet. Raises OSError."""
    data = source.read_bytes()
    # the registered hash covers the protocol and its own instrument files (Protocol.sha256)
    sha256 = protocol.sha256() or protocol_sha256(data)
    markdown = render_markdown(protocol, sha256, when)
    html = render_html(protocol, sha256, when)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        (staging / "sap.md").write_text(markdown, encoding="utf-8")
        (staging / "sap.html").write_text(html, encoding="utf-8")
        (staging / source.name).write_bytes(data)
        # each file's own hash, so `sha256sum -c` checks every copy
        sums = [f"{protocol_sha256(data)}  {source.name}"]
        instruments = protocol.questionnaires.file_hashes()
        for path, digest in instruments.items():
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).write_bytes((source.parent / path).read_bytes())
            sums.append(f"{digest}  {path}")
        (staging / f"{source.name}.sha256").write_text("\n".join(sums) + "\n", "utf-8")
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    names = ["sap.md", "sap.html", source.name, *instruments, f"{source.name}.sha256"]
    return StagedPlan(sha256, staging, out, names)
