"""`tracing clusters` and `tracing cluster show`."""

from __future__ import annotations

import click

from tracing import clusters, foci
from tracing.i18n import _, fmt_date

from .output import emit_json, emit_rows, format_option, note


@click.command("clusters")
@click.option("--min-size", type=int, default=2, show_default=True, help="Smallest number of cases listed.")
@click.option("--active", is_flag=True,
              help="Only clusters with a link or case dated within cluster.followup_days (a rule) before today.")
@format_option("table", "json", "csv")
@click.pass_obj
def clusters_cmd(obj, min_size, active, fmt):
    """Clusters (chùm): groups of confirmed cases joined by recorded sources,
    derived transmissions or contacts, also through traced (F1/F2) persons.

    Ids (C1, C2…) stay the same while a cluster grows; when clusters merge the
    oldest id is kept and the merge is reported on stderr.

    \b
    Examples:
      tracing clusters
      tracing clusters --active --format json
      tracing cluster show C1
    """
    rows = clusters.compute(obj.store(), min_size=min_size, active=active)
    for c in rows:
        for old in c["merged"]:
            note(f"{old} merged into {c['id']}")
    if fmt == "json":
        emit_json(rows)
        return
    emit_rows(rows, ["id", "size", "first", "last", "active", "focus", "focus_over_from", "roots", "wards", "cases"],
              fmt,
              empty="No clusters.")


@click.group("cluster")
def cluster_group():
    """One cluster in detail.

    \b
    Example:
      tracing cluster show C1
    """


@cluster_group.command("show")
@click.argument("cluster_id")
@format_option("table", "json")
@click.pass_obj
def cluster_show(obj, cluster_id, fmt):
    """A cluster's size, generations, traced F1/F2, unknown-source cases,
    dates, wards, units, places, and transmission measures: mean secondary
    cases, dispersion k (negative binomial, maximum likelihood), the share of
    cases behind 80 % of transmission, serial interval, attack rate by setting.

    \b
    Example:
      tracing cluster show C1 --format json
    """
    c = clusters.show(obj.store(), cluster_id)
    if fmt == "json":
        emit_json(c)
        return
    sec, si = c["secondary"], c["serial_interval"]
    traced = ", ".join(f"{k} {v}" for k, v in c["traced"].items()) or "none"
    lines = [
        f"Cluster {c['id']}: {c['size']} cases, {c['generations']} generation(s)"
        + (" (active)" if c["active"] else " (inactive)"),
        f"  cases:            {', '.join(c['cases'])}",
        f"  roots:            {', '.join(c['roots'])}",
        f"  first / last:     {c['first']} / {c['last']}",
        _("  focus (ổ dịch):   {status}, over from {day} (rule focus.over_days after the last case was "
          "isolated)").format(status=_(foci.STATUS_WORDS[c["focus"]]), day=fmt_date(c["focus_over_from"]) if c["focus_over_from"] else "–"),
        f"  traced:           {traced}",
        f"  unknown source:   {', '.join(c['unknown_source']) or 'none'}",
        f"  wards:            {', '.join(c['wards']) or '–'}",
        f"  units:            {', '.join(c['units']) or '–'}",
        f"  places:           {', '.join(c['places']) or '–'}",
        f"  secondary cases:  mean {sec['mean']} per case; dispersion k "
        f"{sec['dispersion_k'] if sec['dispersion_k'] is not None else '– (fewer than 10 cases, or no overdispersion)'}",
        f"  80% of transmission from: "
        + (f"{sec['top_share_80'] * 100:.0f}% of cases" if sec["top_share_80"] is not None else "– (no transmission)"),
        f"  serial interval:  " + (f"mean {si['mean']} d, median {si['median']} d, range {si['min']}–{si['max']} d, "
                                   f"n={si['n']}" if si["n"] else "– (no infector/infectee pair with both onsets)"),
    ]
    click.echo("\n".join(lines))
    if c["attack_rates"]:
        click.echo("\nSecondary attack rate by setting (contacts of cluster cases who became cases):")
        rows = [{**r, "rate": f"{r['rate'] * 100:.1f}%"} for r in c["attack_rates"]]
        emit_rows(rows, ["setting", "contacts", "cases", "rate"], "table")
    click.echo("\n" + clusters.DEFINITION)


def register(cli):
    cli.add_command(clusters_cmd)
    cli.add_command(cluster_group)
