"""``kp deploy``: the registry and certificate contracts, recorded for the next commands."""

from __future__ import annotations

import click

from kp_py.cli._options import Options, emit, signs
from kp_py.cli._types import ADDRESS, DURATION
from kp_py.client import KP, check_notice_period, role_holders
from kp_py.deployments import record_deployment, recorded_file
from kp_py.network import web3_for
from kp_py.node import DEV_CHAIN_IDS
from kp_py.plenary import DEFAULT_NOTICE_PERIOD
from kp_py.verify import LOCAL_PAGE, public_page


@click.command()
@click.option("--admin", type=ADDRESS, help="Holder of the admin role [default: the deployer].")
@click.option("--chair", type=ADDRESS, help="Holder of the Chair role [default: the deployer].")
@click.option("--secretariat", type=ADDRESS, help="Holder of the secretariat role [default: the deployer].")
@click.option(
    "--verify-url",
    metavar="URL",
    help=f"The public verification page (`kp serve`) wallets link each token to [default on the local node: "
    f"{LOCAL_PAGE}; elsewhere none].",
)
@click.option(
    "--one-account-for-all-roles",
    "one_account",
    is_flag=True,
    help="Let one account hold several roles on a public chain (a test network, not the KP's own).",
)
@click.option(
    "--notice-period",
    type=DURATION,
    default=DEFAULT_NOTICE_PERIOD,
    show_default="7d",
    help="How long the plenary's proposals (admissions, lifts, first keys) wait for objections.",
)
@click.option(
    "--short-notice",
    is_flag=True,
    help="Allow a notice period under a day on a chain other than a development one.",
)
@signs
def deploy(
    options: Options,
    admin: str | None,
    chair: str | None,
    secretariat: str | None,
    verify_url: str | None,
    one_account: bool,
    notice_period: int,
    short_notice: bool,
) -> None:
    """Deploy the registry and certificate contracts and record the deployment. On a public chain
    the admin (meant for a multisig), the Chair and the secretariat must be different accounts,
    unless --one-account-for-all-roles says otherwise."""
    w3 = web3_for(options.rpc_url, options.home)
    deployer = options.signer()
    named = {"admin": admin, "chair": chair, "secretariat": secretariat}
    chain_id = w3.eth.chain_id
    holders = role_holders(chain_id, deployer.address, **named, shared=one_account)
    check_notice_period(chain_id, notice_period, short=short_notice)
    page = verify_url or (LOCAL_PAGE if chain_id in DEV_CHAIN_IDS else "")
    page = public_page(page, chain_id, DEV_CHAIN_IDS) if page else ""
    kp = KP.deploy(w3, deployer, **named, notice_period=notice_period, verification_page=page)
    target = options.deployments or recorded_file(kp.deployment.chain_id, options.trusted_home)
    record_deployment(kp.deployment, target)
    data = {
        "chain_id": kp.deployment.chain_id,
        "registry": kp.deployment.registry,
        "certificates": kp.deployment.certificates,
        "block": kp.deployment.block,
        "rpc_url": w3.provider.endpoint_uri,  # type: ignore[attr-defined]
        "deployer": deployer.address,
        "roles": holders,
        "verification_page": page or None,
        "plenary": kp.plenary.address,
        "notice_period": notice_period,
        "recorded_in": str(target),
    }
    emit(
        options,
        data,
        "\n".join(
            [
                f"deployed on chain {data['chain_id']} at block {data['block']} (recorded in {target})",
                f"registry      {data['registry']}",
                f"certificates  {data['certificates']}",
                f"plenary       {data['plenary']} (notice period {notice_period} s)",
                *(f"{name:13} {holder}" for name, holder in holders.items()),
                f"wallets link each certificate to {page}/certificates/<token id>"
                if page
                else "no verification page: wallets show no link (set one with --verify-url)",
            ]
        ),
    )
