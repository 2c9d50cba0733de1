// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IKPRegistry} from "./IKPRegistry.sol";

/// @title The Kimberley Process plenary: decisions that let someone in, by written procedure
/// @notice The KP decides by consensus: between plenaries the Chair circulates a proposal, adopted when
/// no participant objects by its deadline. Here a proposal is a batch of registry calls that let
/// someone in (an admission, a reinstatement, an embargo lifted or loosened, a key registered at once,
/// the Chair or secretariat role granted, a new admin). It is published (`ProposalMade`, one
/// `ProposalCall` per call, indexed by the participant it is about), and anyone may execute it once the
/// notice period has passed with no objection, within `EXECUTION_WINDOW` after that. Any participant's
/// valid authority key may object while the notice runs; one objection blocks the proposal for good.
/// The proposer, a Chair or the admin may withdraw it. Measures that shut someone out (suspension, a
/// tighter embargo, a disabled key, a revoked role) stay immediate in the registry.
///
/// Who proposes: the Chair (admit, reinstate, liftEmbargo, setEmbargo, grantRole of the Chair or
/// secretariat role, beginDefaultAdminTransfer), the secretariat (addAuthority), the admin (grantRole,
/// beginDefaultAdminTransfer). The proposer must still hold its role when the proposal is executed.
interface IKPPlenary {
    /// @notice A proposal's stored state. `Pending` is reported as ready or expired by time.
    enum ProposalState {
        None, //      never proposed
        Pending, //   in its notice period, or ready to execute, or past its window
        Withdrawn, // withdrawn by its proposer, a Chair or the admin
        Objected, //  blocked by a participant's objection
        Executed //   took effect
    }

    /// @notice A proposal, as stored: one slot (160 + 40 + 8 + 16 + 8 bits); the calls' hash in a second.
    struct Proposal {
        address proposer; //     the account that proposed it
        uint40 proposedAt; //    when it was proposed (seconds); ready at proposedAt + NOTICE_PERIOD
        ProposalState state; //  stored state
        bytes2 objector; //      the participant that objected, 0 when none
        uint8 roles; //          roles the proposer used, a bit set: 1 Chair, 2 secretariat, 4 admin
    }

    // ------------------------------------------------------------------ events

    /// @notice Proposal `id` was made by `proposer`; it can be executed from `readyAt`.
    event ProposalMade(uint256 indexed id, address indexed proposer, uint40 readyAt);
    /// @notice Call number `index` of proposal `id`, about `participant` (0 for a role), as encoded
    /// for the registry.
    event ProposalCall(uint256 indexed id, bytes2 indexed participant, uint256 index, bytes call);
    /// @notice `participant` objected to proposal `id` through its key `authority`: it will not be executed.
    event ProposalObjected(uint256 indexed id, bytes2 indexed participant, address indexed authority);
    /// @notice Proposal `id` was withdrawn by `by`.
    event ProposalWithdrawn(uint256 indexed id, address indexed by);
    /// @notice Proposal `id` was executed by `by`: its calls took effect.
    event ProposalExecuted(uint256 indexed id, address indexed by);

    // ------------------------------------------------------------------ errors

    /// @notice The notice period must be at least one second.
    error InvalidNoticePeriod(uint40 noticePeriod);
    /// @notice A proposal needs at least one call.
    error EmptyProposal();
    /// @notice This call (by its selector) is not a decision the plenary takes: it is immediate, or
    /// nobody may take it (granting the admin role).
    error NotProposable(bytes4 selector);
    /// @notice No proposal has this id.
    error UnknownProposal(uint256 id);
    /// @notice The calls given to `execute` are not the ones proposed.
    error ProposalCallMismatch(uint256 id);
    /// @notice The notice period of proposal `id` runs until `readyAt`.
    error ProposalNotReady(uint256 id, uint40 readyAt);
    /// @notice Proposal `id` could be executed until `expiredAt`, no later.
    error ProposalExpired(uint256 id, uint40 expiredAt);
    /// @notice Proposal `id` was withdrawn or executed already (`state`).
    error ProposalClosed(uint256 id, ProposalState state);
    /// @notice Participant `objector` objected to proposal `id`.
    error ProposalBlocked(uint256 id, bytes2 objector);
    /// @notice Objections to proposal `id` were heard until `readyAt`.
    error ObjectionTooLate(uint256 id, uint40 readyAt);
    /// @notice `participant` has been out of good standing (`standing` since `since`) since at least one
    /// notice period before the proposal, so it is not heard on it.
    error NotInGoodStanding(bytes2 participant, IKPRegistry.Standing standing, uint40 since);
    /// @notice `proposer` no longer holds the role it proposed `id` with.
    error ProposerLostRole(uint256 id, address proposer);

    // ------------------------------------------------------------------ functions

    /// @notice Proposes `calls`, each a registry call (selector and arguments) that the plenary
    /// decides; returns the new proposal's id (from 1). Each call is checked for its proposer's role
    /// (`AccessControlUnauthorizedAccount(account, role)` otherwise), not for its effect: a call that
    /// would fail fails at execution, and the whole batch with it.
    function propose(bytes[] calldata calls) external returns (uint256 id);

    /// @notice `participant` objects to proposal `id`, through the caller, one of its valid authority
    /// keys, before the proposal is ready. A participant suspended or withdrawn at least one notice
    /// period before the proposal is not heard (`NotInGoodStanding`); one suspended later still is.
    function object(uint256 id, bytes2 participant) external;

    /// @notice Withdraws proposal `id`: its proposer, a Chair or the admin.
    function withdraw(uint256 id) external;

    /// @notice Executes proposal `id`, given the calls it was proposed with: anyone, from its ready time
    /// until `EXECUTION_WINDOW` later, if no participant objected and its proposer still holds its role.
    /// All its calls take effect, or none (a registry error comes back as it is).
    function execute(uint256 id, bytes[] calldata calls) external;

    /// @notice Proposal `id`, the hash of its calls (`keccak256(abi.encode(calls))`), when it is ready and
    /// when its window closes (0 for an unknown id).
    function proposal(uint256 id)
        external
        view
        returns (Proposal memory stored, bytes32 callsHash, uint40 readyAt, uint40 expiresAt);

    /// @notice How many proposals were ever made (the newest one's id).
    function proposalCount() external view returns (uint256);
}
