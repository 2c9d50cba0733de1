// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The Kimberley Process participant registry
/// @notice Holds the KP participants, their standing, their embargoes and the authority keys that act
/// for them. The certificate contract asks it, at every issue, confirmation and void, whether the caller
/// may act. Every change emits an event, so the full history can be rebuilt from logs.
///
/// Codes are ISO 3166-1 alpha-2 in ASCII (`"BW"` is `0x4257`), `EU` for the European Union.
/// Origins and compliant zones are ASCII strings left-aligned in a `bytes32`: `"CF"` or
/// `"CF/Berberati"`. Times are Unix seconds.
///
/// Roles: the Chair (`CHAIR_ROLE`) suspends and withdraws participants and sets embargoes at once, and
/// proposes admissions, reinstatements, lifts and loosened embargoes to the plenary; the secretariat
/// (`SECRETARIAT_ROLE`) proposes, rotates, retires and disables authority keys, and proposes a key to
/// the plenary when the participant cannot consent; the admin (`DEFAULT_ADMIN_ROLE`, meant for a
/// multisig) revokes those roles at once and grants them through the plenary. The plenary (`PLENARY`,
/// `IKPPlenary`) is the only caller of the decisions that let someone in.
interface IKPRegistry {
    /// @notice A participant's standing in the scheme.
    enum Standing {
        None, //       never admitted
        Admitted, //   in good standing
        Suspended, //  suspended by the plenary or at its own request; cannot trade
        Withdrawn //   left or removed; may be admitted again
    }

    /// @notice The direction of trade an embargo bars.
    enum Scope {
        Exports,
        Imports
    }

    /// @notice A participant, as stored: one slot.
    struct Participant {
        Standing standing; //          current standing
        uint16 admissions; //          times admitted; keys registered under an earlier admission lapse
        uint16 keyCount; //            authority keys ever registered for it (the next key's index)
        uint40 standingSince; //       when the current standing took effect
        uint40 exportsBarredSince; //  start of the export embargo; 0 when none
        uint40 exportsBarredUntil; //  its end (exclusive); 0 when open-ended
        uint40 importsBarredSince; //  start of the import embargo; 0 when none
        uint40 importsBarredUntil; //  its end (exclusive); 0 when open-ended
    }

    /// @notice An authority key, as stored: one slot. The key may act for `participant` from
    /// `validFrom` (inclusive) to `validUntil` (exclusive), as long as the participant has not
    /// withdrawn since (`admission`); certificates it issued at or after `validUntil` are not valid.
    struct Authority {
        bytes2 participant; // the participant it acts for
        uint16 index; //       its number among the participant's keys, from 0, in order of registration
        uint16 admission; //   the participant's `admissions` when the key was registered
        uint40 validFrom; //   first second of validity
        uint40 validUntil; //  first second it is no longer valid; type(uint40).max when open
    }

    /// @notice A key the secretariat proposed for a participant that already had keys, waiting for the
    /// participant's consent (`acceptAuthority`).
    struct PendingAuthority {
        bytes2 participant; // the participant it is proposed for; 0 when nothing is pending
        uint40 validFrom; //   first second of validity asked for (the past counts as the acceptance)
        uint40 validUntil; //  first second it is no longer valid
    }

    // ------------------------------------------------------------------ events

    /// @notice `code` was admitted (or admitted again after a withdrawal) under `name`.
    event ParticipantAdmitted(bytes2 indexed code, string name);
    /// @notice `code` was suspended; `selfSuspension` when the participant asked for it.
    event ParticipantSuspended(bytes2 indexed code, bool selfSuspension);
    /// @notice `code` was reinstated after a suspension.
    event ParticipantReinstated(bytes2 indexed code);
    /// @notice `code` withdrew or was removed from the scheme.
    event ParticipantWithdrawn(bytes2 indexed code);
    /// @notice An embargo on `code`'s trade in `scope` takes effect at `since` and ends at `until`
    /// (0: until lifted). For an export embargo, rough from the compliant `zones` may still be exported.
    event EmbargoSet(bytes2 indexed code, Scope indexed scope, uint40 since, uint40 until, bytes32[] zones);
    /// @notice The embargo on `code`'s trade in `scope` was lifted.
    event EmbargoLifted(bytes2 indexed code, Scope indexed scope);
    /// @notice `authority`, key number `index` of `participant`, may act for it from `validFrom` until
    /// `validUntil`.
    event AuthorityAdded(
        address indexed authority, bytes2 indexed participant, uint16 index, uint40 validFrom, uint40 validUntil
    );
    /// @notice The secretariat proposed `authority` as a key of `participant`, which must accept it.
    event AuthorityProposed(address indexed authority, bytes2 indexed participant, uint40 validFrom, uint40 validUntil);
    /// @notice `by`, a valid key of `participant`, accepted `authority`.
    event AuthorityAccepted(address indexed authority, bytes2 indexed participant, address indexed by);
    /// @notice `authority` was retired in the ordinary way: it stops being valid at `validUntil`.
    event AuthorityRetired(address indexed authority, bytes2 indexed participant, uint40 validUntil);
    /// @notice `authority` was disabled, possibly retroactively: what it signed from `from` on is invalid.
    event AuthorityDisabled(address indexed authority, bytes2 indexed participant, uint40 from);

    // ------------------------------------------------------------------ errors

    /// @notice `code` is not two ASCII capital letters.
    error InvalidParticipantCode(bytes2 code);
    /// @notice A participant needs a name.
    error EmptyParticipantName(bytes2 code);
    /// @notice `code` has never been admitted.
    error UnknownParticipant(bytes2 code);
    /// @notice `code` cannot go to `requested` from its current `standing`.
    error InvalidStandingChange(bytes2 code, Standing standing, Standing requested);
    /// @notice `code` is `standing`, and must be admitted for this (or, for its keys to act at all,
    /// not withdrawn; for a new key, admitted or suspended).
    error ParticipantNotAdmitted(bytes2 code, Standing standing);
    /// @notice `code` is barred from exporting since `since`.
    error ExportsBarred(bytes2 code, uint40 since);
    /// @notice `code` is barred from importing since `since`.
    error ImportsBarred(bytes2 code, uint40 since);
    /// @notice A certificate cannot have the same exporting and importing participant.
    error SameParticipant(bytes2 code);
    /// @notice A certificate names between 1 and `max` origins; `count` were given.
    error InvalidOriginCount(uint256 count, uint256 max);
    /// @notice `origin` is not `CODE` or `CODE/zone` of a known participant, where a zone is ASCII
    /// letters, digits, space, `.`, `'` or `-`, starting with a letter or digit, zero-padded.
    error InvalidOrigin(bytes32 origin);
    /// @notice `origin` is named twice.
    error DuplicateOrigin(bytes32 origin);
    /// @notice Rough from `origin` is under an export embargo since `since`, and `origin` is not a
    /// compliant zone.
    error OriginEmbargoed(bytes32 origin, uint40 since);
    /// @notice `code` is under a partial export embargo: it may export rough from its compliant
    /// zones only, and `origin` is not one of them.
    error ExportsLimitedToZones(bytes2 code, bytes32 origin);
    /// @notice `scope` is not 0 (exports) or 1 (imports).
    error InvalidScope(uint8 scope);
    /// @notice There is no embargo on `code` in `scope` to lift.
    error NoEmbargo(bytes2 code, Scope scope);
    /// @notice `zone` is not a distinct `CODE/zone` origin of `code`, or zones were given for an
    /// import embargo.
    error InvalidZone(bytes2 code, bytes32 zone);
    /// @notice An embargo lists at most `max` compliant zones; `count` were given.
    error TooManyZones(uint256 count, uint256 max);
    /// @notice An embargo needs a start, and an end (if any) after it.
    error InvalidEmbargoPeriod(bytes2 code, uint40 since, uint40 until);
    /// @notice `authority` is the zero address.
    error InvalidAuthorityAddress(address authority);
    /// @notice `role` cannot be given to the zero address.
    error InvalidRoleHolder(bytes32 role);
    /// @notice `authority` is already registered (for `participant`); a key is never reused.
    error AuthorityExists(address authority, bytes2 participant);
    /// @notice `authority` is not registered.
    error UnknownAuthority(address authority);
    /// @notice A validity window must end after it starts.
    error InvalidValidity(uint40 validFrom, uint40 validUntil);
    /// @notice `authority` acts for `actual`, not for `participant`.
    error NotAuthorityOf(address authority, bytes2 participant, bytes2 actual);
    /// @notice `participant` has no authority key number `index`.
    error UnknownAuthorityIndex(bytes2 participant, uint16 index);
    /// @notice `participant` has registered the most keys a participant can (65,535).
    error TooManyKeys(bytes2 participant);
    /// @notice `authority` of `participant` is valid only from `validFrom` until `validUntil`.
    error AuthorityNotValid(address authority, bytes2 participant, uint40 validFrom, uint40 validUntil);
    /// @notice `authority` was registered before `participant` withdrew and was admitted again: it
    /// lapsed with the withdrawal.
    error AuthorityLapsed(address authority, bytes2 participant);
    /// @notice No key is proposed as `authority`.
    error NoPendingAuthority(address authority);
    /// @notice This decision lets someone in: it is taken by the plenary (`KPPlenary.propose`), after a
    /// notice period free of objection, never by one key directly.
    error DecisionNeedsProposal(bytes4 selector);
    /// @notice A window can only be shortened: `requested` is after the current end `validUntil`,
    /// or (for a retirement or rotation) before `earliest`, the next second.
    error InvalidValidityEnd(address authority, uint40 requested, uint40 earliest, uint40 validUntil);

    // ------------------------------------------------------------------ Chair

    /// @notice Admits `code` as a participant in good standing, or admits a withdrawn one again. Plenary only.
    function admit(bytes2 code, string calldata name) external;

    /// @notice Suspends an admitted participant; `selfSuspension` records that it asked for it.
    function suspend(bytes2 code, bool selfSuspension) external;

    /// @notice Restores a suspended participant to good standing. Embargoes are separate and stay.
    /// Plenary only.
    function reinstate(bytes2 code) external;

    /// @notice Records that an admitted or suspended participant left or was removed.
    function withdraw(bytes2 code) external;

    /// @notice Bars `code`'s exports (`scope` 0) or imports (1) from `since` (past or future) until
    /// `until` (0: until lifted). For an export embargo, `zones` lists the origins (`"CF/Berberati"`,
    /// at most `MAX_ZONES`) whose rough may still be exported, by `code` or anyone else; an empty list
    /// bars all exports. Setting again replaces the period and the zones. The Chair sets it at once when
    /// it only tightens the embargo in force; one that loosens it (a later start, an earlier end, a zone
    /// not listed) is the plenary's (`DecisionNeedsProposal`).
    function setEmbargo(bytes2 code, uint8 scope, uint40 since, uint40 until, bytes32[] calldata zones) external;

    /// @notice Lifts the embargo on `code` in `scope` now, with its zones. Plenary only.
    function liftEmbargo(bytes2 code, uint8 scope) external;

    // ------------------------------------------------------------------ secretariat

    /// @notice Registers `authority` as a key of `participant` from `validFrom` (a time in the past
    /// counts as now) until `validUntil` (`type(uint40).max` for no end). From the secretariat the key
    /// is only proposed (`AuthorityProposed`) and needs the participant's consent (`acceptAuthority`), so
    /// that the secretariat alone cannot give anyone a key that issues for a participant; from the
    /// plenary (a participant's first key, or one for a participant with no valid key left) it is
    /// registered at once. A key can be registered once, ever; it lapses if the
    /// participant withdraws. A new proposal for the same key replaces the pending one.
    function addAuthority(address authority, bytes2 participant, uint40 validFrom, uint40 validUntil) external;

    /// @notice Key rotation: `predecessor` is retired at `at`, which is after now (0: the next second),
    /// and `successor` proposed from then on (accepted as `addAuthority` says). Certificates
    /// `predecessor` issued before `at` stay valid.
    function rotateAuthority(address predecessor, address successor, uint40 at) external;

    /// @notice Accepts the key proposed as `authority`: the caller must be a valid key of its
    /// participant. A participant left with no valid key gets one through the plenary.
    function acceptAuthority(address authority) external;

    /// @notice Ends `authority`'s validity at `at`, after now (0: the next second), in the ordinary
    /// way: everything it issued stays valid.
    function retireAuthority(address authority, uint40 at) external;

    /// @notice Disables a compromised key from `from`, which may be in the past: certificates it issued
    /// before `from` stay valid, those issued from `from` on are not.
    function disableAuthority(address authority, uint40 from) external;

    // ------------------------------------------------------------------ views

    /// @notice The contract's version, so clients know which ABI they talk to.
    function version() external pure returns (string memory);

    /// @notice The stored record of `code` (all zero when unknown).
    function participant(bytes2 code) external view returns (Participant memory);

    /// @notice The name `code` was admitted under.
    function participantName(bytes2 code) external view returns (string memory);

    /// @notice Every code ever admitted, in order of first admission.
    function participantCodes() external view returns (bytes2[] memory);

    /// @notice The compliant zones of `code`'s export embargo.
    function compliantZones(bytes2 code) external view returns (bytes32[] memory);

    /// @notice The stored record of `authority` (all zero when unknown).
    function authority(address authority) external view returns (Authority memory);

    /// @notice Key number `index` of `participant`; reverts `UnknownAuthorityIndex` if there is none.
    function authorityAt(bytes2 participant, uint16 index) external view returns (address);

    /// @notice Key number `index` of `participant` and the end of its validity window.
    function authorityWindowAt(bytes2 participant, uint16 index)
        external
        view
        returns (address authority, uint40 validUntil);

    /// @notice The key proposed as `authority` and not yet accepted (participant 0 when none).
    function pendingAuthority(address authority) external view returns (PendingAuthority memory);

    /// @notice Reverts with the reason unless `authority` may act for `participant` now: registered for
    /// it, within its window, and the participant not withdrawn since.
    function checkAuthority(address authority, bytes2 participant) external view;

    /// @notice Reverts with the reason unless `authority` may now issue a certificate for rough from
    /// `origins` exported by `exporting` to `importing`; returns the key's index among `exporting`'s keys.
    function checkIssue(address authority, bytes2 exporting, bytes2 importing, bytes32[] calldata origins)
        external
        view
        returns (uint16 index);

    /// @notice Reverts with the reason unless `authority` may now register a paper certificate received
    /// by `importing` from `exporting` for rough from `origins`: the same rule of trade as `checkIssue`,
    /// with the importer's key; returns the key's index among `importing`'s keys.
    function checkPaperImport(address authority, bytes2 exporting, bytes2 importing, bytes32[] calldata origins)
        external
        view
        returns (uint16 index);

    /// @notice Reverts with the reason unless `authority` may now register production of `origin`: a key
    /// of the origin's participant (its code, `"BW"`, or one of its zones, `"BW/Jwaneng"`), which must be
    /// admitted; returns the key's index among its participant's keys.
    function checkProducer(address authority, bytes32 origin) external view returns (uint16 index);
}
