// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IKPPlenary} from "./interfaces/IKPPlenary.sol";
import {IKPRegistry} from "./interfaces/IKPRegistry.sol";

/// @title KPPlenary
/// @notice Decisions that let someone in, by written procedure: proposed, published, open to objection
/// for `NOTICE_PERIOD`, then executable by anyone for `EXECUTION_WINDOW`. Created by the registry's
/// constructor, which accepts those decisions from this contract only.
/// @dev Storage:
///   `_proposals[id]`   one slot: proposer (160) | proposedAt (40) | state (8) | objector (16) | roles (8).
///   `_callsHash[id]`   keccak256(abi.encode(calls)): the calls themselves are in `ProposalCall` events,
///                      and `execute` is given them back, which is cheaper than storing them.
contract KPPlenary is IKPPlenary {
    bytes32 private constant CHAIR_ROLE = keccak256("CHAIR_ROLE");
    bytes32 private constant SECRETARIAT_ROLE = keccak256("SECRETARIAT_ROLE");
    bytes32 private constant ADMIN_ROLE = 0x00;
    uint8 private constant CHAIR = 1;
    uint8 private constant SECRETARIAT = 2;
    uint8 private constant ADMIN = 4;

    /// @notice How long a ready proposal can be executed; after that it has to be proposed again.
    uint40 public constant EXECUTION_WINDOW = 14 days;

    /// @notice The registry whose decisions this contract takes.
    IKPRegistry public immutable REGISTRY;

    /// @notice How long a proposal is open to objection before it can be executed (seconds).
    uint40 public immutable NOTICE_PERIOD;

    mapping(uint256 id => Proposal) private _proposals;
    mapping(uint256 id => bytes32) private _callsHash;

    /// @inheritdoc IKPPlenary
    uint256 public proposalCount;

    /// @param registry the registry that creates this contract; `noticePeriod` in seconds, not 0.
    constructor(IKPRegistry registry, uint40 noticePeriod) {
        if (noticePeriod == 0) revert InvalidNoticePeriod(noticePeriod);
        REGISTRY = registry;
        NOTICE_PERIOD = noticePeriod;
    }

    /// @inheritdoc IKPPlenary
    function propose(bytes[] calldata calls) external returns (uint256 id) {
        if (calls.length == 0) revert EmptyProposal();
        uint8 roles = 0;
        for (uint256 i; i < calls.length; ++i) {
            roles |= _proposerRole(calls[i]);
        }
        id = ++proposalCount;
        uint40 now_ = uint40(block.timestamp);
        _proposals[id] = Proposal(msg.sender, now_, ProposalState.Pending, 0, roles);
        _callsHash[id] = keccak256(abi.encode(calls));
        emit ProposalMade(id, msg.sender, now_ + NOTICE_PERIOD);
        for (uint256 i; i < calls.length; ++i) {
            emit ProposalCall(id, _about(calls[i]), i, calls[i]);
        }
    }

    /// @inheritdoc IKPPlenary
    function object(uint256 id, bytes2 participant) external {
        Proposal storage p = _open(id);
        uint40 readyAt = p.proposedAt + NOTICE_PERIOD;
        if (block.timestamp >= readyAt) revert ObjectionTooLate(id, readyAt);
        IKPRegistry.Authority memory a = REGISTRY.authority(msg.sender);
        if (a.participant != participant) {
            if (a.participant == 0) revert IKPRegistry.UnknownAuthority(msg.sender);
            revert IKPRegistry.NotAuthorityOf(msg.sender, participant, a.participant);
        }
        IKPRegistry.Participant memory part = REGISTRY.participant(participant);
        if (a.admission != part.admissions) revert IKPRegistry.AuthorityLapsed(msg.sender, participant);
        if (block.timestamp < a.validFrom || block.timestamp >= a.validUntil) {
            revert IKPRegistry.AuthorityNotValid(msg.sender, participant, a.validFrom, a.validUntil);
        }
        // Out of good standing since well before the proposal: not heard. Suspended later: still heard,
        // or a stolen Chair key could suspend everyone and then propose unopposed.
        if (part.standing != IKPRegistry.Standing.Admitted && part.standingSince + NOTICE_PERIOD <= p.proposedAt) {
            revert NotInGoodStanding(participant, part.standing, part.standingSince);
        }
        p.state = ProposalState.Objected;
        p.objector = participant;
        emit ProposalObjected(id, participant, msg.sender);
    }

    /// @inheritdoc IKPPlenary
    function withdraw(uint256 id) external {
        Proposal storage p = _open(id);
        if (msg.sender != p.proposer && !_has(CHAIR_ROLE, msg.sender) && !_has(ADMIN_ROLE, msg.sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, CHAIR_ROLE);
        }
        p.state = ProposalState.Withdrawn;
        emit ProposalWithdrawn(id, msg.sender);
    }

    /// @inheritdoc IKPPlenary
    function execute(uint256 id, bytes[] calldata calls) external {
        Proposal storage p = _open(id);
        if (keccak256(abi.encode(calls)) != _callsHash[id]) revert ProposalCallMismatch(id);
        uint40 readyAt = p.proposedAt + NOTICE_PERIOD;
        if (block.timestamp < readyAt) revert ProposalNotReady(id, readyAt);
        if (block.timestamp >= readyAt + EXECUTION_WINDOW) revert ProposalExpired(id, readyAt + EXECUTION_WINDOW);
        address proposer = p.proposer;
        uint8 roles = p.roles;
        if (
            (roles & CHAIR != 0 && !_has(CHAIR_ROLE, proposer))
                || (roles & SECRETARIAT != 0 && !_has(SECRETARIAT_ROLE, proposer))
                || (roles & ADMIN != 0 && !_has(ADMIN_ROLE, proposer))
        ) revert ProposerLostRole(id, proposer);
        p.state = ProposalState.Executed;
        emit ProposalExecuted(id, msg.sender);
        for (uint256 i; i < calls.length; ++i) {
            Address.functionCall(address(REGISTRY), calls[i]);
        }
    }

    /// @inheritdoc IKPPlenary
    function proposal(uint256 id)
        external
        view
        returns (Proposal memory stored, bytes32 callsHash, uint40 readyAt, uint40 expiresAt)
    {
        stored = _proposals[id];
        if (stored.proposedAt != 0) {
            readyAt = stored.proposedAt + NOTICE_PERIOD;
            expiresAt = readyAt + EXECUTION_WINDOW;
        }
        return (stored, _callsHash[id], readyAt, expiresAt);
    }

    // ------------------------------------------------------------------ internals

    /// @dev The role `msg.sender` proposes `call` with, as a bit; reverts if the call is not a decision
    /// of the plenary or the caller does not hold the role.
    function _proposerRole(bytes calldata call) private view returns (uint8) {
        bytes4 selector = call.length < 4 ? bytes4(0) : bytes4(call[:4]);
        if (selector == IKPRegistry.addAuthority.selector) return _require(SECRETARIAT_ROLE, SECRETARIAT);
        if (
            selector == IKPRegistry.admit.selector || selector == IKPRegistry.reinstate.selector
                || selector == IKPRegistry.liftEmbargo.selector || selector == IKPRegistry.setEmbargo.selector
        ) return _require(CHAIR_ROLE, CHAIR);
        bool grant = selector == IAccessControl.grantRole.selector && call.length >= 36;
        if (grant) {
            bytes32 role = bytes32(call[4:36]);
            grant = role == CHAIR_ROLE || role == SECRETARIAT_ROLE;
        }
        if (grant || selector == IAccessControlDefaultAdminRules.beginDefaultAdminTransfer.selector) {
            return _has(CHAIR_ROLE, msg.sender) ? CHAIR : _require(ADMIN_ROLE, ADMIN);
        }
        revert NotProposable(selector);
    }

    function _require(bytes32 role, uint8 bit) private view returns (uint8) {
        if (!_has(role, msg.sender)) revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, role);
        return bit;
    }

    /// @dev The participant a call is about, for the index of `ProposalCall`: the code that is the first
    /// argument, or the second of `addAuthority`; 0 for a role.
    function _about(bytes calldata call) private pure returns (bytes2) {
        bytes4 selector = bytes4(call[:4]);
        if (selector == IKPRegistry.addAuthority.selector) return call.length >= 38 ? bytes2(call[36:38]) : bytes2(0);
        if (selector == IAccessControl.grantRole.selector) return 0;
        if (selector == IAccessControlDefaultAdminRules.beginDefaultAdminTransfer.selector) return 0;
        return call.length >= 6 ? bytes2(call[4:6]) : bytes2(0);
    }

    function _has(bytes32 role, address account) private view returns (bool) {
        return IAccessControl(address(REGISTRY)).hasRole(role, account);
    }

    function _open(uint256 id) private view returns (Proposal storage p) {
        p = _proposals[id];
        ProposalState state = p.state;
        if (state == ProposalState.None) revert UnknownProposal(id);
        if (state == ProposalState.Objected) revert ProposalBlocked(id, p.objector);
        if (state != ProposalState.Pending) revert ProposalClosed(id, state);
    }
}
