"""Build hook: compile the gettext catalogs (tracing/locale/*/LC_MESSAGES/*.po)
to .mo with Babel, so an installed package never compiles at run time.
Everything else is declared in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_catalogs(build_py):
    def run(self):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(__file__).resolve().parent.glob("tracing/locale/*/LC_MESSAGES/*.po"):
            with open(po, "rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            with open(po.with_suffix(".mo"), "wb") as f:
                write_mo(f, catalog)
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogs})
