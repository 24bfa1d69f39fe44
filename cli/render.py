"""`tracing render`: a cluster's sơ đồ cây, contact network or timeline as
one offline HTML file."""

from __future__ import annotations

import sys

import click

from .output import emit_json, note


@click.command("render")
@click.argument("roots", nargs=-1, metavar="[ROOT]...")
@click.option("--cluster", "clusters", multiple=True, metavar="ID",
              help="Draw this cluster (see `tracing clusters`); repeat for several.")
@click.option("--all", "all_clusters", is_flag=True,
              help="Draw every cluster of 2 or more cases (must fit in --max-nodes).")
@click.option("--layout", type=click.Choice(["tree", "network", "timeline"]), default="tree", show_default=True,
              help="tree: who exposed whom (primary sources solid, others dashed); network: also the "
                   "recorded contacts among the drawn persons; timeline: by date.")
@click.option("--redact", is_flag=True,
              help="For sharing: the database's keyed tokens instead of ids (the same in every "
                   "redacted file of this database); no names, phones, national ids or addresses.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the page.")
@click.option("--max-nodes", type=click.IntRange(1, None), default=2000, show_default=True,
              help="Draw at most this many nodes; deeper leaves are folded into count nodes (+N).")
@click.option("-o", "--output", "output", required=True, metavar="FILE.html",
              help="The page to write (its folder must exist; replaced atomically).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: a line for people; json: {file, nodes, hidden, layout, cluster} on stdout.")
@click.pass_obj
def render_cmd(obj, roots, clusters, all_clusters, layout, redact, lang, max_nodes, output, fmt):
    """Draw ROOT's cluster as an interactive map in one HTML file that works
    offline: search by name (no diacritics needed), filter by F level and
    ward, click a person for their record.

    ROOT's cluster is drawn from its earliest case(s) down to the tracing
    depth (F1, F2…); a ROOT in no cluster gets the tree from the top of its
    primary chain. Several ROOTs and --cluster options draw their union.

    \b
    Examples:
      tracing render BN1 -o bn1.html
      tracing render --cluster C1 --layout network -o c1-network.html
      tracing render --cluster C1 --redact --lang en -o c1-shared.html
      tracing render --all --layout timeline -o all.html
    """
    from tracing import maps

    if all_clusters and (roots or clusters):
        raise click.UsageError("--all draws every cluster: give it without ROOT or --cluster")
    if not (roots or clusters or all_clusters):
        raise click.UsageError("give a ROOT person, --cluster ID or --all")
    progress = note if sys.stderr.isatty() else None
    result = maps.render_to_file(obj.store(), roots=roots, cluster=list(clusters), all_clusters=all_clusters,
                                 layout=layout, lang=lang, redact=redact, max_nodes=max_nodes, path=output,
                                 progress=progress)
    for warning in result["warnings"]:
        note(f"Warning: {warning}")
    if fmt == "json":
        emit_json({k: result[k] for k in ("file", "nodes", "hidden", "layout", "cluster", "clusters", "persons")})
        return
    what = ", ".join(result["clusters"]) or "tree"
    line = f"Wrote {result['file']}: {result['nodes']} nodes drawn"
    if result["hidden"]:
        line += f", {result['hidden']} persons folded into count nodes"
    click.echo(f"{line} ({layout}, {what}).")


def register(cli) -> None:
    cli.add_command(render_cmd)
