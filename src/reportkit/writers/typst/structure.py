"""The structure of a tagged Typst PDF, finished where Typst 0.15 stops short.

- **Row headers.** The title block is a table of label and value; Typst tags its cells as TD
  (its header cells are column headers of a `table.header`; row headers need a feature flag the
  Python binding cannot set). Each row's first cell becomes TH with /Scope /Row and an /ID that
  the row's other cells name in /Headers, so a screen reader says the label with the value.
- **One marked-content sequence where Typst writes many.** Typst opens a sequence (an MCID) for
  each glyph run it draws: a long report has four times as many MCIDs as runs of content, each
  with its entry in the parent tree, and tagging made the file a fifth larger than the untagged
  one. Consecutive sequences of one element, with the same tag and properties, are joined (the
  content between them is the same drawing operators, in the same order), and each page's MCIDs
  are numbered again from 0. The element reads the same text in the same order.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf

# Structure elements a table cannot be inside: the row-header pass does not walk into them.
_NO_TABLE_INSIDE = frozenset(
    {"/P", "/H1", "/H2", "/H3", "/H4", "/L", "/Span", "/Figure", "/Link", "/Strong", "/Em"}
)


def _kids(node) -> list:
    import pikepdf

    k = node.get("/K")
    items = list(k) if isinstance(k, pikepdf.Array) else [k]
    return [x for x in items if isinstance(x, pikepdf.Dictionary) and "/S" in x]


def row_headers(pdf: pikepdf.Pdf) -> None:
    """Each row's first cell of each table a row header (see the module's documentation)."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return

    def table_attributes(cell) -> pikepdf.Dictionary:
        """The cell's attributes owned by /Table, made if it has none."""
        attributes = cell.get("/A")
        listed = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
        for owned in listed:
            if isinstance(owned, pikepdf.Dictionary) and owned.get("/O") == pikepdf.Name.Table:
                return owned
        owned = pikepdf.Dictionary(O=pikepdf.Name.Table)
        if isinstance(attributes, pikepdf.Array):
            attributes.append(owned)
        elif isinstance(attributes, pikepdf.Dictionary):
            cell.A = pikepdf.Array([attributes, owned])
        else:
            cell.A = owned
        return owned

    ids: list[tuple[bytes, pikepdf.Dictionary]] = []
    stack = _kids(root)
    while stack:
        node = stack.pop()
        role = node.S
        if role == pikepdf.Name.TR:
            cells = _kids(node)
            if len(cells) > 1 and cells[0].S == pikepdf.Name.TD:
                header, others = cells[0], cells[1:]
                header.S = pikepdf.Name.TH
                owned = table_attributes(header)
                owned.Scope = pikepdf.Name.Row
                if "/Headers" in owned:
                    del owned["/Headers"]
                identifier = f"rk-th-{len(ids)}".encode()
                header.ID = pikepdf.String(identifier)
                ids.append((identifier, header))
                for cell in others:
                    table_attributes(cell).Headers = pikepdf.Array([pikepdf.String(identifier)])
        elif str(role) not in _NO_TABLE_INSIDE:
            stack.extend(_kids(node))
    if ids:
        names = pikepdf.Array()
        for identifier, element in sorted(ids, key=lambda pair: pair[0]):
            names.append(pikepdf.String(identifier))
            names.append(element)
        root.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=names))


# An MCID sequence's opening as Typst writes it: its tag, its MCID, the rest of its properties.
_REST = rb"((?:[^<>]|<[0-9A-Fa-f\s]*>)*)"  # other properties, hex strings (an /Alt) among them
# A marked-content operator, as an operator (not inside a name or a string of glyphs).
_MARKED = re.compile(rb"(?<![^\s\])>])(?:BMC|BDC|EMC)(?![^\s/\[(<])")
_OPEN = re.compile(rb"/([A-Za-z0-9_.-]+)<</MCID (\d+)" + _REST + rb">>BDC")
# The end of one sequence and the opening of the next, nothing between.
_BOUNDARY = re.compile(rb"EMC\s*/([A-Za-z0-9_.-]+)<</MCID (\d+)" + _REST + rb">>BDC\n?")


def join_marked_content(pdf: pikepdf.Pdf) -> None:
    """Consecutive MCID sequences of one element joined, MCIDs numbered again (see the
    module's documentation). A page whose content or parent-tree entry is not as Typst writes
    it is left as it is."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary) or "/ParentTree" not in root:
        return
    nums = root.ParentTree.get("/Nums")
    if not isinstance(nums, pikepdf.Array):
        return
    entries = list(nums)
    where = {int(entries[i]): i + 1 for i in range(0, len(entries) - 1, 2)}
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        contents = page.obj.get("/Contents")
        if key is None or int(key) not in where or not isinstance(contents, pikepdf.Stream):
            continue
        position = where[int(key)]
        owners = entries[position]
        if not isinstance(owners, pikepdf.Array):
            continue
        _join_page(pdf, page, contents, owners, position, entries)
    root.ParentTree.Nums = pikepdf.Array(entries)


def _join_page(pdf, page, contents, owners, position, entries) -> None:
    import pikepdf

    owner_of = list(owners)
    ids = [
        o.objgen if isinstance(o, pikepdf.Dictionary) and o.is_indirect else None for o in owner_of
    ]
    data = contents.read_bytes()
    opened = [(int(m.group(2)), m.group(1), m.group(3), m.end()) for m in _OPEN.finditer(data)]
    if len({o[0] for o in opened}) != len(opened) or data.count(b"/MCID ") != len(opened):
        return  # an MCID opened twice, or in another form: not Typst's way
    props = {mcid: (tag, rest) for mcid, tag, rest, _ in opened}
    body = {mcid: end for mcid, _, _, end in opened}  # where each sequence's content begins

    def closes(previous: int, at: int) -> bool:
        """Whether the EMC at `at` closes `previous`'s sequence, not one nested in it (Typst's
        /ReversedChars and /ActualText spans): what lies between closes only what it opened
        (an EMC of its own and then, say, an /Artifact opened would also count even)."""
        depth = 0
        for match in _MARKED.finditer(data, body[previous], at):
            depth += -1 if match.group() == b"EMC" else 1
            if depth < 0:
                return False
        return depth == 0

    joined: dict[int, int] = {}  # an MCID joined into the sequence before: that sequence's

    def boundary(match: re.Match[bytes]) -> bytes:
        mcid = int(match.group(2))
        previous = order_before.get(mcid)
        if (
            previous is not None
            and mcid < len(ids)
            and previous < len(ids)
            and ids[mcid] is not None
            and ids[mcid] == ids[previous]
            and props[previous] == (match.group(1), match.group(3))
            and closes(previous, match.start())
        ):
            joined[mcid] = joined.get(previous, previous)
            return b""
        return match.group()

    order = [o[0] for o in opened]
    order_before = {b: a for a, b in zip(order, order[1:], strict=False)}
    data = _BOUNDARY.sub(boundary, data)
    if not joined:
        return
    # Number the sequences left 0, 1, 2... in the order they are opened.
    kept = [mcid for mcid in order if mcid not in joined]
    new = {old: n for n, old in enumerate(kept)}
    for old, first in joined.items():
        new[old] = new[first]
    data = _OPEN.sub(
        lambda m: b"/%s<</MCID %d%s>>BDC" % (m.group(1), new[int(m.group(2))], m.group(3)), data
    )
    contents.write(data)
    page_ref = page.obj.objgen
    elements = {}
    for old in order:
        owner = owner_of[old] if old < len(owner_of) else None
        if isinstance(owner, pikepdf.Dictionary) and owner.is_indirect:
            elements[owner.objgen] = owner
    for element in elements.values():
        _renumber(element, page_ref, new, joined)
    entries[position] = pikepdf.Array([owner_of[old] for old in kept])


def _renumber(element, page_ref, new: dict[int, int], joined: dict[int, int]) -> None:
    """`element`'s MCIDs on the page renumbered; those joined into another left out."""
    import pikepdf

    kids = element.get("/K")
    listed = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    own_page = element.get("/Pg")
    on_page = own_page is not None and own_page.objgen == page_ref
    out = []
    for kid in listed:
        if isinstance(kid, int) and on_page:
            if int(kid) in joined:
                continue
            kid = new.get(int(kid), int(kid))
        elif (
            isinstance(kid, pikepdf.Dictionary)
            and "/MCID" in kid
            and (kid.Pg.objgen if "/Pg" in kid else own_page and own_page.objgen) == page_ref
        ):
            if int(kid.MCID) in joined:
                continue
            kid.MCID = new.get(int(kid.MCID), int(kid.MCID))
        out.append(kid)
    element.K = pikepdf.Array(out)
