"""Deploy the kp registry and certificate contracts and record them in .kp/deployments.json.

    kp node start                        # the local node (state in .kp/)
    ape run deploy                       # signs with ape's test account 0; roles to the deployer
    ape run deploy --chair 0x... --secretariat 0x... --network http://127.0.0.1:8545

The kp command line and the other scripts then find the deployment for this chain id. Network and
key options: see scripts/_ape.py.
"""

from __future__ import annotations

import click

from kp_py import KP
from kp_py.client import check_notice_period, role_holders
from kp_py.deployments import record_deployment
from kp_py.plenary import DEFAULT_NOTICE_PERIOD
from scripts._ape import ADDRESS, Session, kp_command


@kp_command
@click.option("--admin", type=ADDRESS, help="Holder of the admin role [default: the deployer].")
@click.option("--chair", type=ADDRESS, help="Holder of the Chair role [default: the deployer].")
@click.option("--secretariat", type=ADDRESS, help="Holder of the secretariat role [default: the deployer].")
@click.option("--one-account-for-all-roles", "shared", is_flag=True, help="Allow it on a public chain.")
@click.option(
    "--notice-period",
    type=click.IntRange(min=1),
    default=DEFAULT_NOTICE_PERIOD,
    show_default=True,
    help="Seconds the plenary's proposals wait for objections.",
)
@click.option("--short-notice", is_flag=True, help="Allow under a day on a public chain.")
def cli(
    session: Session,
    admin: str | None,
    chair: str | None,
    secretariat: str | None,
    shared: bool,
    notice_period: int,
    short_notice: bool,
) -> None:
    """Deploy the kp contracts and record the deployment (.kp/deployments.json)."""
    signer = session.signer()
    roles = {"admin": admin, "chair": chair, "secretariat": secretariat}
    holders = role_holders(session.w3.eth.chain_id, signer.address, **roles, shared=shared)
    check_notice_period(session.w3.eth.chain_id, notice_period, short=short_notice)
    kp = KP.deploy(session.w3, signer, **roles, notice_period=notice_period)
    target = session.home / "deployments.json"
    record_deployment(kp.deployment, target)
    d = kp.deployment
    click.echo(f"deployed on chain {d.chain_id} at block {d.block} (recorded in {target})")
    click.echo(f"registry      {d.registry}")
    click.echo(f"certificates  {d.certificates}")
    for name, holder in holders.items():
        click.echo(f"{name:13} {holder}")
