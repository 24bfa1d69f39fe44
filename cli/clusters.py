"""`tracing clusters` and `tracing cluster show`."""

from __future__ import annotations

import click

from tracing import clusters, foci
from tracing.i18n import _, fmt_date, fmt_decimal, fmt_percent, label

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
            note(_("{old} merged into {new}").format(old=old, new=c["id"]))
    if fmt == "json":
        emit_json(rows)
        return
    emit_rows(rows, ["id", "size", "first", "last", "active", "focus", "focus_over_from", "roots", "wards", "cases"],
              fmt, empty=_("No clusters."))


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
    none = _("none")
    traced = ", ".join(f"{k} {v}" for k, v in c["traced"].items()) or none
    k = sec["dispersion_k"]
    lines = [
        _("Cluster {id}: {size} cases, {generations} generation(s)").format(
            id=c["id"], size=c["size"], generations=c["generations"])
        + " " + (_("(active)") if c["active"] else _("(inactive)")),
        "  " + _("cases:            {ids}").format(ids=", ".join(c["cases"])),
        "  " + _("roots:            {ids}").format(ids=", ".join(c["roots"])),
        "  " + _("first / last:     {first} / {last}").format(first=fmt_date(c["first"]), last=fmt_date(c["last"])),
        _("  focus (ổ dịch):   {status}, over from {day} (rule focus.over_days after the last case was "
          "isolated)").format(status=_(foci.STATUS_WORDS[c["focus"]]),
                              day=fmt_date(c["focus_over_from"]) if c["focus_over_from"] else "–"),
        "  " + _("traced:           {traced}").format(traced=traced),
        "  " + _("unknown source:   {ids}").format(ids=", ".join(c["unknown_source"]) or none),
        "  " + _("wards:            {names}").format(names=", ".join(c["wards"]) or "–"),
        "  " + _("units:            {names}").format(names=", ".join(c["units"]) or "–"),
        "  " + _("places:           {names}").format(names=", ".join(c["places"]) or "–"),
        "  " + _("secondary cases:  mean {mean} per case; dispersion k {k}").format(
            mean=_num(sec["mean"]),
            k=_num(k) if k is not None else _("– (fewer than 10 cases, or no overdispersion)")),
        "  " + _("80% of transmission from: {share}").format(
            share=_("{percent} of cases").format(percent=fmt_percent(sec["top_share_80"], 0))
            if sec["top_share_80"] is not None else _("– (no transmission)")),
        "  " + _("serial interval:  {text}").format(text=_(
            "mean {mean} d, median {median} d, range {min}–{max} d, n={n}").format(
                mean=_num(si["mean"]), median=_num(si["median"]), min=si["min"], max=si["max"], n=si["n"])
            if si["n"] else _("– (no infector/infectee pair with both onsets)")),
    ]
    click.echo("\n".join(lines))
    if c["attack_rates"]:
        click.echo("\n" + _("Secondary attack rate by setting (contacts of cluster cases who became cases):"))
        rows = [{**r, "rate": fmt_percent(r["rate"])} for r in c["attack_rates"]]
        emit_rows(rows, ["setting", "contacts", "cases", "rate"], "table")
    click.echo("\n" + _(clusters.DEFINITION))


def _num(x) -> str:
    """A figure as computed (its own rounding) in the language's decimal mark."""
    if isinstance(x, float):
        digits = len(repr(x).split(".")[1]) if "." in repr(x) and "e" not in repr(x) else 2
        return fmt_decimal(x, min(digits, 3))
    return str(x)


def register(cli):
    cli.add_command(clusters_cmd)
    cli.add_command(cluster_group)
