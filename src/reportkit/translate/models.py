"""Installing and listing Argos Translate models."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError


def installed() -> list[str]:
    from argostranslate import package

    return [
        f"{p.from_code} → {p.to_code}  {p.package_version}  {p.package_path}"
        for p in package.get_installed_packages()
        if p.type == "translate"
    ]


def install_file(path: Path) -> str:
    import zipfile

    from argostranslate import package

    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise UsageError(f"{path}: not an Argos model (.argosmodel is a zip file)")
    try:
        package.install_from_path(Path(path))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise UsageError(f"{path}: cannot install this model ({err})") from None
    return f"installed {path}"


def install_from_index(source: str, target: str) -> str:
    from argostranslate import package

    try:
        package.update_package_index()
        available = package.get_available_packages()
    except Exception as err:  # urllib's errors vary: any failure here means "no index reachable"
        raise UsageError(
            f"cannot reach the Argos package index ({err}). On a machine with internet, download "
            f"translate-{source}_{target}.argosmodel, then: reportkit models install --file FILE"
        ) from None
    match = [p for p in available if p.from_code == source and p.to_code == target]
    if not match:
        raise UsageError(f"the Argos package index has no {source}→{target} model")
    package.install_from_path(match[0].download())
    return f"installed {source} → {target}"
