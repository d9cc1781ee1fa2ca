"""Modules (versioned records), their materials and question banks."""

from __future__ import annotations

import contextlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.datastructures import FileStorage

from curricula.models import Audience, Module, ModuleMaterial, Question
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.permissions import can_edit_modules

# Files trainers share with each other: documents, slides, spreadsheets, images, plain text.
MATERIAL_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
}
# Magic numbers of the binary types: the content must match the name.
SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".odp": (b"PK\x03\x04",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


@dataclass
class ModuleFilters:
    q: str = ""
    audience: str = ""
    all_versions: bool = False


def latest_version_clause():  # noqa: ANN201
    newer = aliased(Module)
    return (
        ~select(newer.id)
        .where(newer.code == Module.code, newer.version_number > Module.version_number)
        .exists()
    )


def module_query(filters: ModuleFilters) -> Select:
    stmt = select(Module)
    if not filters.all_versions:
        stmt = stmt.where(latest_version_clause())
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Module.code).like(like), func.lower(Module.title).like(like))
        )
    if filters.audience:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Module.audience == Audience(filters.audience))
    return stmt.order_by(Module.code, Module.version_number.desc())


def get_module_or_404(module_id: int, user, for_edit: bool = False) -> Module:  # noqa: ANN001
    module = db.session.get(
        Module,
        module_id,
        options=[selectinload(Module.materials), selectinload(Module.questions)],
    )
    if module is None:
        abort(404)
    if for_edit and not can_edit_modules(user, module):
        abort(403)
    return module


def module_title_or_404(module_id: int) -> str:
    """The title of a module's page (404 for no such module), read without loading it: the
    page is kept rendered and loads the module only when it is rendered afresh."""
    row = db.session.execute(
        select(Module.code, Module.version_number).where(Module.id == module_id)
    ).first()
    if row is None:
        abort(404)
    return f"{row.code} v{row.version_number}"


def versions_of(code: str) -> list[Module]:
    return list(
        db.session.scalars(
            select(Module).where(Module.code == code).order_by(Module.version_number.desc())
        )
    )


def latest_modules() -> list[Module]:
    return list(db.session.scalars(module_query(ModuleFilters())))


def module_codes() -> list[str]:
    return list(db.session.scalars(select(Module.code).distinct().order_by(Module.code)))


def module_in_use(module: Module) -> bool:
    """Whether a training delivered this version (then it is frozen)."""
    from curricula.models.trainings import training_modules

    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(training_modules)
            .where(training_modules.c.module_id == module.id)
        )
    )


MODULE_FIELDS = (
    "title", "audience", "duration_hours", "objectives", "outline", "source", "max_score",
    "pass_mark",
)  # fmt: skip


def _validate_module(data: dict) -> None:
    pass_mark = data.get("pass_mark")
    if pass_mark is not None and pass_mark > data["max_score"]:
        raise FieldError("pass_mark", _("The pass mark cannot be above the maximum score."))


def _apply(module: Module, data: dict) -> None:
    for name in MODULE_FIELDS:
        if name in data:
            value = data[name]
            setattr(module, name, value.strip() if isinstance(value, str) else value)
    module.audience = Audience(data["audience"])


def create_module(data: dict, user) -> Module:  # noqa: ANN001
    code = data["code"].strip().upper()
    if db.session.scalar(select(Module.id).where(func.upper(Module.code) == code)):
        raise FieldError(
            "code", _("A module with this code exists; create a new version of it instead.")
        )
    _validate_module(data)
    module = Module(code=code, version_number=1, created_by_id=user.id)
    _apply(module, data)
    db.session.add(module)
    db.session.flush()
    return module


def update_module(module: Module, data: dict) -> Module:
    if module_in_use(module):
        raise FieldError(
            "title",
            _("A training has used this version, so it cannot change; create a new version."),
        )
    _validate_module(data)
    _apply(module, data)
    db.session.flush()
    return module


def create_new_version(module: Module, user) -> Module:  # noqa: ANN001
    """Copy the newest version of ``module``'s code into version n + 1 (with its question
    bank; materials stay with the version they were uploaded to)."""
    latest = versions_of(module.code)[0]
    copy = Module(
        code=latest.code, version_number=latest.version_number + 1, created_by_id=user.id,
        title=latest.title, audience=latest.audience, duration_hours=latest.duration_hours,
        objectives=latest.objectives, outline=latest.outline, source=latest.source,
        max_score=latest.max_score, pass_mark=latest.pass_mark,
    )  # fmt: skip
    db.session.add(copy)
    for q in latest.questions:
        copy.questions.append(
            Question(
                position=q.position,
                text=q.text,
                options=q.options,
                answer_key=q.answer_key,
                points=q.points,
            )  # fmt: skip
        )
    db.session.flush()
    return copy


# ---- materials ---------------------------------------------------------------------------------


def materials_folder() -> Path:
    folder = Path(current_app.instance_path) / "materials"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def material_filename(name: str) -> str:
    """The name a material is shown and downloaded under: letters of any script and digits
    kept (a Russian or Swahili title stays readable), no folders, no control or shell characters,
    no leading dots. The file itself is stored under a random name, so this is display only."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c if c.isalnum() or c in " ._-–—()" else "_" for c in name)
    kept = re.sub(r"\s+", " ", kept).strip(" ._")
    stem, dot, suffix = kept.rpartition(".")
    if not dot:
        stem, suffix = kept, ""
    stem = stem.strip(" ._")[:150] or "material"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def add_material(module: Module, upload: FileStorage, user) -> ModuleMaterial:  # noqa: ANN001
    filename = material_filename(upload.filename or "")
    suffix = Path(filename).suffix.lower()
    if not filename or suffix not in MATERIAL_TYPES:
        raise FieldError(
            "file",
            _("Upload a PDF, Word, PowerPoint, Excel, OpenDocument, PNG, JPEG or text file."),
        )
    limit = current_app.config["MATERIAL_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise FieldError("file", _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    if not data:
        raise FieldError("file", _("The file is empty."))
    signatures = SIGNATURES.get(suffix)
    if signatures and not data.startswith(signatures):
        raise FieldError("file", _("The file's content does not match its type."))
    if suffix == ".txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FieldError("file", _("A text file must be UTF-8 text.")) from exc
    stored = secrets.token_hex(16) + suffix
    (materials_folder() / stored).write_bytes(data)
    material = ModuleMaterial(
        module=module, filename=filename, stored_name=stored,
        content_type=MATERIAL_TYPES[suffix], size=len(data), uploaded_by_id=user.id,
    )  # fmt: skip
    db.session.add(material)
    db.session.flush()
    return material


def get_material_or_404(module: Module, material_id: int) -> ModuleMaterial:
    material = next((m for m in module.materials if m.id == material_id), None)
    if material is None:
        abort(404)
    return material


def material_path(material: ModuleMaterial) -> Path:
    return materials_folder() / material.stored_name


def delete_material(material: ModuleMaterial) -> None:
    path = material_path(material)
    db.session.delete(material)
    db.session.flush()
    path.unlink(missing_ok=True)


# ---- question bank -----------------------------------------------------------------------------


def add_question(module: Module, data: dict) -> Question:
    if module_in_use(module):
        raise FieldError(
            "text", _("A training has used this version; add questions to a new version.")
        )
    position = (max((q.position for q in module.questions), default=0)) + 1
    question = Question(
        module=module, position=position, text=data["text"].strip(),
        options=(data.get("options") or "").strip(), answer_key=data["answer_key"].strip(),
        points=data.get("points") or 1,
    )  # fmt: skip
    db.session.add(question)
    db.session.flush()
    return question


def question_total(module: Module) -> int:
    return sum(q.points for q in module.questions)
