"""`tracing render`: a cluster's sơ đồ cây, contact network or timeline as
one offline HTML file."""

from __future__ import annotations

import sys

import click

from tracing.i18n import _, fmt_int, language, ngettext, shown

from .output import Vocab, emit_json, note


@click.command("render")
@click.argument("roots", nargs=-1, metavar="[ROOT]...")
@click.option("--cluster", "clusters", multiple=True, metavar="ID",
              help="Draw this cluster (see `tracing clusters`); repeat for several.")
@click.option("--all", "all_clusters", is_flag=True,
              help="Draw every cluster of 2 or more cases (must fit in --max-nodes).")
@click.option("--layout", type=Vocab("layout"), default="tree", show_default=True,
              help="tree: who exposed whom (primary sources solid, others dashed); network: also the "
                   "recorded contacts among the drawn persons; timeline: by date.")
@click.option("--redact", is_flag=True,
              help="For sharing: the database's keyed tokens instead of ids (the same in every "
                   "redacted file of this database); no names, phones, national ids or addresses.")
@click.option("--lang", type=Vocab("lang"), default=None,
              help="Language of the page (default: the global --lang, $TRACING_LANG or the locale).")
@click.option("--max-nodes", type=click.IntRange(1, None), default=2000, show_default=True,
              help="Draw at most this many nodes on opening; the generations beyond are folded into count "
                   "nodes (+N F2), one per branch and generation, that unfold in place when clicked (the SVG "
                   "draws the count nodes; a page holds at most 10,000 persons, the rest only listed).")
@click.option("-o", "--output", "output", required=True, metavar="FILE.html|FILE.svg",
              help="The file to write (its folder must exist; replaced atomically).")
@click.option("--format", "fmts", multiple=True, type=Vocab("format", ("html", "svg", "table", "json")),
              help="html: an interactive page; svg: a static drawing to print or paste into Word/LibreOffice "
                   "(default: from the -o name, .svg -> svg, else html). table: a line for people (default); "
                   "json: {file, format, nodes, hidden, layout, cluster} on stdout. Repeat to give both, "
                   "e.g. --format svg --format json.")
@click.pass_obj
def render_cmd(obj, roots, clusters, all_clusters, layout, redact, lang, max_nodes, output, fmts):
    """Draw ROOT's cluster as an interactive map in one HTML file that works
    offline: search by name (no diacritics needed), filter by F level and
    ward, click a person for their record.

    ROOT's cluster is drawn from its earliest case(s) down to the tracing
    depth (F1, F2…); a ROOT in no cluster gets the tree from the top of its
    primary chain. Several ROOTs and --cluster options draw their union.

    With --format svg (or -o FILE.svg) it writes a static sơ đồ cây
    instead, with its title and legend, text as text, to print or paste
    into a report. A tree is drawn at print size (7.5 pt) on sheets of
    247 x 160 mm (an A4 landscape page in Word), branches continued from
    sheet to sheet; when it takes several, FILE-1.svg, FILE-2.svg... hold
    one sheet each, to paste one per page.

    \b
    Examples:
      tracing render BN1 -o bn1.html
      tracing render --cluster C1 -o c1.svg
      tracing render --cluster C1 --layout network -o c1-network.html
      tracing render --cluster C1 --redact --lang en -o c1-shared.html
      tracing render --all --layout timeline -o all.html
    """
    from tracing import maps

    if all_clusters and (roots or clusters):
        raise click.UsageError(_("--all draws every cluster: give it without ROOT or --cluster"))
    if not (roots or clusters or all_clusters):
        raise click.UsageError(_("give a ROOT person, --cluster ID or --all"))
    files = [f for f in fmts if f in ("html", "svg")]
    prints = [f for f in fmts if f in ("table", "json")]
    if len(set(files)) > 1 or len(set(prints)) > 1:
        raise click.UsageError(_("--format: give at most one of html|svg and one of table|json"))
    fmt = prints[0] if prints else "table"
    progress = note if sys.stderr.isatty() else None
    result = maps.render_to_file(obj.store(), roots=roots, cluster=list(clusters), all_clusters=all_clusters,
                                 layout=layout, lang=lang or language(), redact=redact, max_nodes=max_nodes, path=output,
                                 progress=progress, fmt=files[0] if files else None)
    for warning in result["warnings"]:
        note(_("Warning: {message}").format(message=shown(warning)))
    if fmt == "json":
        emit_json({k: result[k] for k in ("file", "format", "nodes", "hidden", "layout", "cluster", "clusters",
                                          "persons", "sheets")})
        return
    what = ", ".join(result["clusters"]) or _("from {roots}").format(roots=", ".join(roots))  # not "(tree, tree)"
    line = _("Wrote {file}: {n} nodes drawn").format(file=result["file"], n=result["nodes"])
    if result["hidden"]:
        line += ", " + ngettext("{n} person folded into a count node", "{n} persons folded into count nodes",
                                result["hidden"]).format(n=fmt_int(result["hidden"]))
    click.echo(f"{line} ({layout}, {what}).")


def register(cli) -> None:
    cli.add_command(render_cmd)
