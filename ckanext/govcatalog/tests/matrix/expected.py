"""Who may see what, written out by hand: the leak test's oracle.

Deliberately independent of ``access.py`` and ``policy.py``: a bug in the facts layer must not move
both sides of an assertion. Columns are the personas of world.PERSONAS; a cell is ``MF`` (metadata
and files), ``M.`` (metadata only) or ``..`` (nothing).

- outsider: an admin of another organization; member, editor: of the owning organization
  (the editor did not create the datasets); approver: named approver of the owning organization.
- A staged edit (its notes, bytes and new resource) is seen by those who may edit or decide:
  editor, approver, sysadmin.
"""
from __future__ import annotations

GRID = """
level                    state                 anonymous outsider member editor approver sysadmin
เปิดเผย                   draft                 ..        ..       MF     MF     MF       MF
เปิดเผย                   pending               ..        ..       MF     MF     MF       MF
เปิดเผย                   published             MF        MF       MF     MF     MF       MF
เปิดเผย                   rejected              ..        ..       MF     MF     MF       MF
เปิดเผย                   withdrawal_requested  MF        MF       MF     MF     MF       MF
เปิดเผย                   withdrawn             ..        ..       MF     MF     MF       MF
ชั้นเผยแพร่ภายในองค์กร      draft                 ..        ..       MF     MF     MF       MF
ชั้นเผยแพร่ภายในองค์กร      pending               ..        ..       MF     MF     MF       MF
ชั้นเผยแพร่ภายในองค์กร      published             M.        M.       MF     MF     MF       MF
ชั้นเผยแพร่ภายในองค์กร      rejected              ..        ..       MF     MF     MF       MF
ชั้นเผยแพร่ภายในองค์กร      withdrawal_requested  M.        M.       MF     MF     MF       MF
ชั้นเผยแพร่ภายในองค์กร      withdrawn             ..        ..       MF     MF     MF       MF
ลับ                       draft                 ..        ..       MF     MF     MF       MF
ลับ                       pending               ..        ..       MF     MF     MF       MF
ลับ                       published             M.        M.       MF     MF     MF       MF
ลับ                       rejected              ..        ..       MF     MF     MF       MF
ลับ                       withdrawal_requested  M.        M.       MF     MF     MF       MF
ลับ                       withdrawn             ..        ..       MF     MF     MF       MF
ลับมาก                     draft                 ..        ..       MF     MF     MF       MF
ลับมาก                     pending               ..        ..       MF     MF     MF       MF
ลับมาก                     published             M.        M.       MF     MF     MF       MF
ลับมาก                     rejected              ..        ..       MF     MF     MF       MF
ลับมาก                     withdrawal_requested  M.        M.       MF     MF     MF       MF
ลับมาก                     withdrawn             ..        ..       MF     MF     MF       MF
ลับที่สุด                    draft                 ..        ..       ..     ..     MF       MF
ลับที่สุด                    pending               ..        ..       ..     ..     MF       MF
ลับที่สุด                    published             ..        ..       ..     ..     MF       MF
ลับที่สุด                    rejected              ..        ..       ..     ..     MF       MF
ลับที่สุด                    withdrawal_requested  ..        ..       ..     ..     MF       MF
ลับที่สุด                    withdrawn             ..        ..       ..     ..     MF       MF
"""

SEES_STAGED = frozenset({"editor", "approver", "sysadmin"})


def _parse(grid: str) -> dict[tuple[str, str, str], str]:
    lines = [line.split() for line in grid.strip().splitlines()]
    personas = lines[0][2:]
    return {(level, state, persona): cell
            for level, state, *cells in lines[1:] for persona, cell in zip(personas, cells)}


CELLS = _parse(GRID)


def allowed(level: str, state: str, persona: str) -> tuple[bool, bool]:
    """(may see the metadata, may have the files)."""
    cell = CELLS[(level, state, persona)]
    return cell[0] == "M", cell[1] == "F"
