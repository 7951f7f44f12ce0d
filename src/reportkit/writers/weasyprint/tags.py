"""The structure tree of a tagged WeasyPrint PDF, made into one a screen reader can use.

WeasyPrint (`pdf_tags`) tags every box by its HTML element's name, page by page. What it cannot
know, reportkit's template says with ordinary HTML, and this module carries it into the PDF:

- **Roles the element name does not give.** A list is `div.list` of `div.item`, each a
  `span.marker` and a `div.item-body` (the marker stands in a column of its own): they become
  L, LI, Lbl and LBody. A table used for layout (`role="presentation"`: the bilingual pairs, the
  title block's columns) becomes plain Div elements, down to the next real table; a header cell
  `<th scope="row">` gets /Scope /Row. A `<bdi>` isolate is a Span.
- **Languages.** Every element whose `lang` differs from its parent's gets /Lang (the English
  column of a handout, an English title under the Arabic one, a Latin name inside Arabic such
  as "INTERPOL" or an address); the catalog has the document's. Which runs are in another
  language the document model decides (`Span.run_lang`: all Latin letters inside Arabic, all
  Arabic letters inside English or French); a run of digits and symbols (a phone number, a
  year) keeps its paragraph's.
- **Artifacts.** The running header and the footer (margin boxes), the classification marking,
  the draft watermark and the letterhead's footer lines are drawn on every page but are not
  content: their marked content becomes /Artifact and they leave the structure tree, with any
  link annotation inside them. The letterhead on page one (the office's name, its emblem as a
  Figure with /Alt) and the signature are content: whoever reads the report hears who wrote it.
- **One element per element, not per page.** WeasyPrint builds the tree page by page, so a
  paragraph, a list or a bilingual row broken across a page is two elements, and a handout row
  split over two pages would read Arabic, English, Arabic, English. Fragments of one HTML element
  are merged into the first, so the tree reads block by block: the Arabic, then its translation.

`tagging()` wraps WeasyPrint's tree builder (pinned below 71 in pyproject.toml) to note, on each
structure element, the hints above under private keys (/RKLang, /RKHint, /RKKey); `fix_structure`
then rewrites the tree, the page content's marked content and the parent tree, and removes the
private keys. Everything else WeasyPrint wrote (MCIDs, link OBJRs, /Alt of figures) is kept.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf

# Classes of the template whose boxes are page furniture, not content.
ARTIFACT_CLASSES = frozenset({"running", "marking", "watermark", "letterhead-footer"})
# Classes of the template that carry a list's roles.
LIST_ROLES = {"list": "/L", "item": "/LI", "marker": "/Lbl", "item-body": "/LBody"}
_LAYOUT_ROLES = frozenset({"/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD"})
_HINTS = ("/RKLang", "/RKHint", "/RKKey")
# The keys of a structure element that says nothing but its place (`_Walk.unwrapped`).
_PLAIN_KEYS = frozenset({"/Type", "/S", "/P", "/Pg", "/K"})
# Marked content as WeasyPrint writes it (and pikepdf, once pdftext has rewritten a stream).
_MARKED = re.compile(rb"/([A-Za-z0-9_.-]+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


@contextlib.contextmanager
def tagging() -> Iterator[None]:
    """WeasyPrint's tree builder, noting reportkit's hints while a PDF is written."""
    import pydyf
    from weasyprint.css import AnonymousStyle
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags

    original = tags._build_box_tree
    keys: dict[int, int] = {}  # id of an HTML element: its merge key
    noted: set[int] = set()  # ids of the structure elements already noted

    def build(box, parent, pdf, page_number, nums, annotations, marked):
        real = box._box if isinstance(box, AbsolutePlaceholder) else box
        element = real.element
        classes = set((element.get("class") or "").split()) if element is not None else set()
        if classes & ARTIFACT_CLASSES and not isinstance(real, boxes.PageBox):
            # Built (its marked content must leave WeasyPrint's list) but linked nowhere:
            # fix_structure turns what no element reaches into artifacts.
            for _ in original(box, parent, pdf, page_number, nums, annotations, marked):
                pass
            return
        for struct in original(box, parent, pdf, page_number, nums, annotations, marked):
            if id(struct) not in noted and element is not None:
                noted.add(id(struct))
                if element.get("lang"):
                    struct["RKLang"] = pydyf.String(element.get("lang"))
                # A table's wrapper box has an anonymous style but stands for the table.
                anonymous = isinstance(real.style, AnonymousStyle) and not getattr(
                    real, "is_table_wrapper", False
                )
                hint = "anonymous" if anonymous else _hint(element, classes)
                if hint:
                    struct["RKHint"] = pydyf.String(hint)
                if not anonymous:
                    struct["RKKey"] = keys.setdefault(id(element), len(keys))
            yield struct

    # WeasyPrint asks pydyf for the page references once per structure element, and pydyf
    # builds the tuple of all pages' references each time: quadratic in the pages (0.7 s of a
    # 95-page report's 1.3 s of tagging). While the tree is built the pages do not change.
    references = pydyf.PDF.page_references
    made: dict[str, object] = {}

    def page_references(pdf) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        key = (id(pdf), id(kids), len(kids))
        if made.get("key") != key:
            made["key"], made["value"] = key, references.fget(pdf)
        return made["value"]

    tags._build_box_tree = build
    pydyf.PDF.page_references = property(page_references)
    try:
        yield
    finally:
        tags._build_box_tree = original
        pydyf.PDF.page_references = references


def _hint(element, classes: set[str]) -> str:
    for name, role in LIST_ROLES.items():
        if name in classes:
            return role
    if element.get("role") == "presentation":
        return "layout"
    if element.get("scope") == "row":
        return "row-header"
    if element.tag == "bdi":
        return "/Span"
    return ""


def is_tagged(pdf: pikepdf.Pdf) -> bool:
    """Whether the PDF has a structure tree and says it is tagged (/MarkInfo /Marked true)."""
    import pikepdf

    mark_info = pdf.Root.get("/MarkInfo")
    return (
        isinstance(pdf.Root.get("/StructTreeRoot"), pikepdf.Dictionary)
        and isinstance(mark_info, pikepdf.Dictionary)
        and bool(mark_info.get("/Marked", False))
    )


def fix_structure(pdf: pikepdf.Pdf) -> None:
    """Rewrite an open tagged PDF's structure as the module's documentation says, in place."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return
    walk = _Walk(pdf)
    lang = str(pdf.Root.get("/Lang", ""))
    for top in _kids(root):
        if isinstance(top, pikepdf.Dictionary) and "/S" in top:
            walk.element(top, root, lang, layout=False)
    _mark_artifacts(pdf, walk.content)
    _rebuild_parent_tree(pdf, root, walk.content, walk.owners)
    if walk.ids:
        # The header cells' /ID, which the data cells name in /Headers, found by a reader
        # through the tree's /IDTree (WeasyPrint writes the IDs but no IDTree).
        names = pikepdf.Array()
        for identifier, element in sorted(walk.ids, key=lambda pair: pair[0]):
            names.append(pikepdf.String(identifier))
            names.append(element)
        root.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=names))


def _kids(node: pikepdf.Object) -> list:
    import pikepdf

    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


class _Walk:
    """One pass over the tree, top down: each element's children merged, its role, /Lang and
    parent set, its hints removed; and what it reaches noted, MCIDs by page and annotations.
    (Each access to a PDF object costs a call into qpdf: the pass reads each key once.)"""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        import pikepdf

        self.pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        self.content: dict[int, dict[int, pikepdf.Object]] = {}  # page: MCID: its element
        self.owners: dict[tuple[int, int], pikepdf.Object] = {}  # annotation: its element
        self.ids: list[tuple[bytes, pikepdf.Object]] = []  # header cells' /ID: the cell
        self.mcr, self.objr = pikepdf.Name.MCR, pikepdf.Name.OBJR
        self.plain = (pikepdf.Name.Span, pikepdf.Name.NonStruct)

    def element(self, element, parent, inherited: str, layout: bool) -> bool:
        """Fix `element` and its subtree; False when nothing is left in it (a <br>)."""
        import pikepdf

        role = str(element.S)
        hint = str(element.get("/RKHint", ""))
        lang = element.get("/RKLang")
        if hint == "layout" and role == "/Table":
            layout = True
        elif role == "/Table":
            layout = False  # a real table inside a layout cell keeps its roles
        if layout and role in _LAYOUT_ROLES:
            element.S = pikepdf.Name.NonStruct if hint == "anonymous" else pikepdf.Name.Div
            if "/A" in element:
                del element["/A"]
        elif hint.startswith("/"):
            element.S = pikepdf.Name(hint)
        elif hint == "anonymous" and role in ("/Sect", "/Div", "/Part"):
            element.S = pikepdf.Name.NonStruct  # a box CSS made (a table's row), no element of ours
        elif hint == "row-header" and role == "/TH":
            attributes = element.get("/A")
            if not isinstance(attributes, pikepdf.Dictionary):
                attributes = element.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
            attributes.Scope = pikepdf.Name.Row
        if role == "/TH" and not layout:
            identifier = element.get("/ID")
            if identifier is not None:
                self.ids.append((bytes(identifier), element))
        own = str(lang) if lang is not None else inherited
        if own != inherited:
            element.Lang = pikepdf.String(own)
        for key in _HINTS:
            if key in element:
                del element[key]
        element.P = parent
        page_object = element.get("/Pg")
        page = self.pages.get(page_object.objgen) if page_object is not None else None
        if role == "/Figure" and page_object is not None:
            _figure_bbox(element, page_object)
        kids, changed = _merged(element)
        kept = []
        for kid in kids:
            if isinstance(kid, int):
                if page is not None:
                    self.content.setdefault(page, {})[int(kid)] = element
            elif isinstance(kid, pikepdf.Dictionary):
                kind = kid.get("/Type")
                if kind == self.mcr:
                    where = self.pages.get(kid.Pg.objgen) if "/Pg" in kid else page
                    if where is not None:
                        self.content.setdefault(where, {})[int(kid.MCID)] = element
                elif kind == self.objr:
                    self.owners[kid.Obj.objgen] = element
                elif "/S" in kid:
                    if not self.element(kid, element, own, layout):
                        changed = True
                        continue  # an element with nothing in it says nothing
                    if kid.S in self.plain and set(kid.keys()) <= _PLAIN_KEYS:
                        kept.extend(self.unwrapped(kid, element, page_object))
                        changed = True
                        continue
            kept.append(kid)
        if changed:
            element.K = pikepdf.Array(kept)
        return bool(kept)

    def unwrapped(self, kid, element, page_object) -> list:
        """The children of `kid`, a Span or NonStruct that says nothing (no language, no
        attributes: WeasyPrint's element for each inline box), given to `element` in its place.
        A third of the elements of a long report are such; without them the tree, and the file,
        are smaller and a reader walks the same content in the same order."""
        import pikepdf

        kid_page = kid.get("/Pg")
        same_page = (
            kid_page is not None
            and page_object is not None
            and kid_page.objgen == page_object.objgen
        )
        where = self.pages.get(kid_page.objgen) if kid_page is not None else None
        out = []
        for grandkid in _kids(kid):
            if isinstance(grandkid, int):
                if where is not None:
                    self.content.setdefault(where, {})[int(grandkid)] = element
                if not same_page:
                    grandkid = pikepdf.Dictionary(Type=self.mcr, Pg=kid_page, MCID=grandkid)
            elif isinstance(grandkid, pikepdf.Dictionary):
                kind = grandkid.get("/Type")
                if kind == self.mcr:
                    at = self.pages.get(grandkid.Pg.objgen) if "/Pg" in grandkid else where
                    if at is not None:
                        self.content.setdefault(at, {})[int(grandkid.MCID)] = element
                    if "/Pg" not in grandkid and not same_page:
                        grandkid.Pg = kid_page
                elif kind == self.objr:
                    self.owners[grandkid.Obj.objgen] = element
                elif "/S" in grandkid:
                    grandkid.P = element
            out.append(grandkid)
        return out


def _merged(element: pikepdf.Dictionary) -> tuple[list, bool]:
    """`element`'s children, the later fragments of one HTML element (on later pages) folded
    into the first: their children appended to its, in order; and whether any was."""
    import pikepdf

    out: list = []
    first: dict[int, pikepdf.Dictionary] = {}
    # The first fragment's children as the later ones add to them, written back once at the end:
    # rewriting them for every fragment made a paragraph over hundreds of pages quadratic.
    gathered: dict[int, list] = {}
    changed = False
    for kid in _kids(element):
        key = kid.get("/RKKey") if isinstance(kid, pikepdf.Dictionary) else None
        if key is None:
            out.append(kid)
            continue
        target = first.get(int(key))
        if target is None or target.get("/Pg") == kid.get("/Pg"):
            first.setdefault(int(key), kid)
            out.append(kid)
            continue
        moved = gathered.get(int(key))
        if moved is None:
            moved = gathered[int(key)] = _kids(target)
        for grandkid in _kids(kid):
            if isinstance(grandkid, int) and "/Pg" in kid:  # an MCID of the fragment's page
                grandkid = pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=kid.Pg, MCID=grandkid)
            moved.append(grandkid)
        changed = True
    for key, kids in gathered.items():
        first[key].K = pikepdf.Array(kids)
    return out, changed


# CSS pixels to PDF points: WeasyPrint writes a figure's /BBox in CSS pixels from the page's top
# left corner; PDF wants points from its bottom left.
_PT_PER_PX = 0.75


def _figure_bbox(figure: pikepdf.Dictionary, page: pikepdf.Dictionary) -> None:
    import pikepdf

    attributes = figure.get("/A")
    if not isinstance(attributes, pikepdf.Dictionary) or "/BBox" not in attributes:
        return
    x1, y1, x2, y2 = (float(v) * _PT_PER_PX for v in attributes.BBox)
    top = float(page.MediaBox[3])
    attributes.BBox = pikepdf.Array([round(v, 3) for v in (x1, top - y2, x2, top - y1)])


def _mark_artifacts(pdf: pikepdf.Pdf, content: dict[int, dict[int, object]]) -> None:
    """Marked content no element reaches (page furniture) becomes an artifact."""
    import pikepdf

    for index, page in enumerate(pdf.pages):
        reached = content.get(index, {})

        def artifact(match: re.Match[bytes], reached=reached) -> bytes:
            return match.group() if int(match.group(2)) in reached else b"/Artifact BMC"

        streams = page.obj.get("/Contents")
        streams = list(streams) if isinstance(streams, pikepdf.Array) else [streams]
        for stream in streams:
            if stream is None:
                continue
            data = stream.read_bytes()
            new = _MARKED.sub(artifact, data)
            if new != data:
                stream.write(new)


def _rebuild_parent_tree(pdf, root, content, owners) -> None:
    """The parent tree from the tree as it now is: each page's MCIDs, each annotation. A link
    annotation no element reaches (a link in the running header) is removed with its element."""
    import pikepdf

    nums = pikepdf.Array()
    next_key = len(pdf.pages)
    for index, page in enumerate(pdf.pages):
        mapping = content.get(index, {})
        size = max(mapping, default=-1) + 1
        page.obj.StructParents = index
        nums.append(index)
        nums.append(pikepdf.Array([mapping.get(m) for m in range(size)]))
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = []
        for annot in annots:
            owner = owners.get(annot.objgen) if annot.is_indirect else None
            if owner is None:
                if "/StructParent" in annot and annot.get("/Subtype") == pikepdf.Name.Link:
                    continue  # its element is an artifact's: the annotation goes with it
                kept.append(annot)
                continue
            annot.StructParent = next_key
            nums.append(next_key)
            nums.append(owner)
            next_key += 1
            kept.append(annot)
        if len(kept) != len(annots):
            page.obj.Annots = pikepdf.Array(kept)
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
    root.ParentTreeNextKey = next_key
