// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IKPRegistry} from "./interfaces/IKPRegistry.sol";
import {KPPlenary} from "./KPPlenary.sol";

/// @title KPRegistry
/// @notice The Kimberley Process participant registry: participants, embargoes, authority keys.
/// @dev Storage:
///   `_participants[code]`   one slot: standing (8 bits) | admissions (16) | keyCount (16)
///                           | standingSince (40) | exportsBarredSince (40) | exportsBarredUntil (40)
///                           | importsBarredSince (40) | importsBarredUntil (40); 16 bits spare.
///   `_names[code]`          the name, a string (written once per admission, read by people only).
///   `_zones[code]`          compliant zones of the export embargo; read only when rough from an
///                           embargoed participant is exported, so a short array is cheapest overall.
///   `_authorities[key]`     one slot: participant (16) | index (16) | admission (16) | validFrom (40)
///                           | validUntil (40).
///   `_keys[code][index]`    the participant's keys in order of registration, so a certificate can name
///                           its issuer in 16 bits.
///   `_codes`                every code ever admitted, for enumeration.
/// Roles: the admin (meant for a multisig) grants and revokes the Chair and secretariat roles. It is
/// held by one account at a time and changes hands in two steps, the new admin accepting after a
/// delay (`ADMIN_TRANSFER_DELAY`, changeable by the admin with OpenZeppelin's own waiting rules), and
/// it cannot be renounced in one step: OpenZeppelin's `AccessControlDefaultAdminRules`.
/// Decisions that let someone in (admit, reinstate, liftEmbargo, a loosening setEmbargo, a key
/// registered at once, grantRole, beginDefaultAdminTransfer) come only from `PLENARY`, after a notice
/// period free of objection; any other caller gets `DecisionNeedsProposal(selector)`. Decisions that
/// shut someone out stay immediate.
contract KPRegistry is IKPRegistry, AccessControlDefaultAdminRules {
    bytes32 public constant CHAIR_ROLE = keccak256("CHAIR_ROLE");
    bytes32 public constant SECRETARIAT_ROLE = keccak256("SECRETARIAT_ROLE");

    /// @notice How long a new admin waits, after the transfer begins, before it can accept.
    uint48 public constant ADMIN_TRANSFER_DELAY = 3 days;

    /// @notice No certificate names more origins than this.
    uint256 public constant MAX_ORIGINS = 8;

    /// @notice No embargo lists more compliant zones than this.
    uint256 public constant MAX_ZONES = 32;

    /// @notice `validUntil` of a key with no end.
    uint40 public constant OPEN_END = type(uint40).max;

    /// @notice The plenary: the only caller of the decisions that let someone in.
    KPPlenary public immutable PLENARY;

    mapping(bytes2 code => Participant) private _participants;
    mapping(bytes2 code => string) private _names;
    mapping(bytes2 code => bytes32[]) private _zones;
    mapping(address key => Authority) private _authorities;
    mapping(bytes2 code => mapping(uint16 index => address)) private _keys;
    mapping(address key => PendingAuthority) private _pending;
    bytes2[] private _codes;

    /// @param admin gets `DEFAULT_ADMIN_ROLE` (meant for a multisig; not zero:
    /// `AccessControlInvalidDefaultAdmin`); `chair` and `secretariat` get theirs; `noticePeriod` (seconds,
    /// not 0: `InvalidNoticePeriod`) is how long the plenary's proposals wait for objections.
    constructor(address admin, address chair, address secretariat, uint40 noticePeriod)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        PLENARY = new KPPlenary(this, noticePeriod);
        _grantNonZero(CHAIR_ROLE, chair);
        _grantNonZero(SECRETARIAT_ROLE, secretariat);
    }

    // ------------------------------------------------------------------ Chair

    /// @inheritdoc IKPRegistry
    function admit(bytes2 code, string calldata name) external onlyByProposal {
        _requireCode(code);
        if (bytes(name).length == 0) revert EmptyParticipantName(code);
        Participant storage p = _participants[code];
        Standing standing = p.standing;
        if (standing != Standing.None && standing != Standing.Withdrawn) {
            revert InvalidStandingChange(code, standing, Standing.Admitted);
        }
        if (standing == Standing.None) _codes.push(code);
        ++p.admissions; // keys registered before a withdrawal lapse with it
        _setStanding(p, Standing.Admitted);
        _names[code] = name;
        emit ParticipantAdmitted(code, name);
    }

    /// @inheritdoc IKPRegistry
    function suspend(bytes2 code, bool selfSuspension) external onlyRole(CHAIR_ROLE) {
        _changeStanding(code, Standing.Admitted, Standing.Suspended);
        emit ParticipantSuspended(code, selfSuspension);
    }

    /// @inheritdoc IKPRegistry
    function reinstate(bytes2 code) external onlyByProposal {
        _changeStanding(code, Standing.Suspended, Standing.Admitted);
        emit ParticipantReinstated(code);
    }

    /// @inheritdoc IKPRegistry
    function withdraw(bytes2 code) external onlyRole(CHAIR_ROLE) {
        Participant storage p = _known(code);
        if (p.standing == Standing.Withdrawn) revert InvalidStandingChange(code, p.standing, Standing.Withdrawn);
        _setStanding(p, Standing.Withdrawn);
        emit ParticipantWithdrawn(code);
    }

    /// @inheritdoc IKPRegistry
    function setEmbargo(bytes2 code, uint8 scope, uint40 since, uint40 until, bytes32[] calldata zones) external {
        Participant storage p = _known(code);
        _requireScope(scope);
        if (msg.sender != address(PLENARY)) {
            _checkRole(CHAIR_ROLE);
            if (_loosens(p, code, Scope(scope), since, until, zones)) revert DecisionNeedsProposal(msg.sig);
        }
        if (since == 0 || (until != 0 && until <= since)) revert InvalidEmbargoPeriod(code, since, until);
        if (Scope(scope) == Scope.Exports) {
            if (zones.length > MAX_ZONES) revert TooManyZones(zones.length, MAX_ZONES);
            delete _zones[code];
            for (uint256 i; i < zones.length; ++i) {
                bytes32 zone = zones[i];
                if (bytes2(zone) != code || zone[2] != "/" || !_isOrigin(zone) || _repeats(zones, i)) {
                    revert InvalidZone(code, zone);
                }
                _zones[code].push(zone);
            }
            (p.exportsBarredSince, p.exportsBarredUntil) = (since, until);
        } else {
            if (zones.length != 0) revert InvalidZone(code, zones[0]);
            (p.importsBarredSince, p.importsBarredUntil) = (since, until);
        }
        emit EmbargoSet(code, Scope(scope), since, until, zones);
    }

    /// @inheritdoc IKPRegistry
    function liftEmbargo(bytes2 code, uint8 scope) external onlyByProposal {
        Participant storage p = _known(code);
        _requireScope(scope);
        if (Scope(scope) == Scope.Exports) {
            if (p.exportsBarredSince == 0) revert NoEmbargo(code, Scope.Exports);
            (p.exportsBarredSince, p.exportsBarredUntil) = (0, 0);
            delete _zones[code];
        } else {
            if (p.importsBarredSince == 0) revert NoEmbargo(code, Scope.Imports);
            (p.importsBarredSince, p.importsBarredUntil) = (0, 0);
        }
        emit EmbargoLifted(code, Scope(scope));
    }

    // ------------------------------------------------------------------ secretariat

    /// @inheritdoc IKPRegistry
    function addAuthority(address key, bytes2 code, uint40 validFrom, uint40 validUntil) external {
        if (msg.sender == address(PLENARY)) return _addAuthority(key, code, validFrom, validUntil);
        _checkRole(SECRETARIAT_ROLE);
        _propose(key, code, validFrom, validUntil);
    }

    /// @inheritdoc IKPRegistry
    function rotateAuthority(address predecessor, address successor, uint40 at) external onlyRole(SECRETARIAT_ROLE) {
        (bytes2 code, uint40 end) = _retire(predecessor, at);
        _propose(successor, code, end, OPEN_END);
    }

    // ------------------------------------------------------------------ participants

    /// @inheritdoc IKPRegistry
    function acceptAuthority(address key) external {
        PendingAuthority memory proposed = _pending[key];
        bytes2 code = proposed.participant;
        if (code == 0) revert NoPendingAuthority(key);
        checkAuthority(msg.sender, code);
        delete _pending[key];
        _addAuthority(key, code, proposed.validFrom, proposed.validUntil);
        emit AuthorityAccepted(key, code, msg.sender);
    }

    /// @inheritdoc IKPRegistry
    function retireAuthority(address key, uint40 at) external onlyRole(SECRETARIAT_ROLE) {
        _retire(key, at);
    }

    /// @inheritdoc IKPRegistry
    function disableAuthority(address key, uint40 from) external onlyRole(SECRETARIAT_ROLE) {
        Authority storage a = _registered(key);
        if (from > a.validUntil) revert InvalidValidityEnd(key, from, 0, a.validUntil);
        a.validUntil = from;
        emit AuthorityDisabled(key, a.participant, from);
    }

    // ------------------------------------------------------------------ by proposal

    modifier onlyByProposal() {
        if (msg.sender != address(PLENARY)) revert DecisionNeedsProposal(msg.sig);
        _;
    }

    /// @notice Grants the Chair or secretariat role: a decision of the plenary, by proposal only.
    function grantRole(bytes32 role, address account) public override onlyByProposal {
        if (role != CHAIR_ROLE && role != SECRETARIAT_ROLE) revert InvalidRoleHolder(role);
        _grantNonZero(role, account);
    }

    /// @notice Begins handing the admin role to `newAdmin`: by proposal only; the new admin then
    /// still waits `ADMIN_TRANSFER_DELAY` before it can accept.
    function beginDefaultAdminTransfer(address newAdmin) public override onlyByProposal {
        _beginDefaultAdminTransfer(newAdmin);
    }

    /// @dev Whether setting this embargo would let more trade through than the one in force: a later
    /// start (counted from now), an earlier or no end, or a compliant zone not listed today.
    function _loosens(
        Participant storage p,
        bytes2 code,
        Scope scope,
        uint40 since,
        uint40 until,
        bytes32[] calldata zones
    ) private view returns (bool) {
        (uint40 oldSince, uint40 oldUntil) = scope == Scope.Exports
            ? (p.exportsBarredSince, p.exportsBarredUntil)
            : (p.importsBarredSince, p.importsBarredUntil);
        if (oldSince == 0 || (oldUntil != 0 && oldUntil <= block.timestamp)) return false;
        // A later effective start: max(since, now) > max(oldSince, now).
        if (since > block.timestamp && since > oldSince) return true;
        if (until != 0 && (oldUntil == 0 || until < oldUntil)) return true;
        for (uint256 i; i < zones.length; ++i) {
            if (!_isCompliantZone(code, zones[i])) return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IKPRegistry
    function version() external pure returns (string memory) {
        return "3.0.0";
    }

    /// @inheritdoc IKPRegistry
    function participant(bytes2 code) external view returns (Participant memory) {
        return _participants[code];
    }

    /// @inheritdoc IKPRegistry
    function participantName(bytes2 code) external view returns (string memory) {
        return _names[code];
    }

    /// @inheritdoc IKPRegistry
    function participantCodes() external view returns (bytes2[] memory) {
        return _codes;
    }

    /// @inheritdoc IKPRegistry
    function compliantZones(bytes2 code) external view returns (bytes32[] memory) {
        return _zones[code];
    }

    /// @inheritdoc IKPRegistry
    function authority(address key) external view returns (Authority memory) {
        return _authorities[key];
    }

    /// @inheritdoc IKPRegistry
    function authorityAt(bytes2 code, uint16 index) public view returns (address key) {
        key = _keys[code][index];
        if (key == address(0)) revert UnknownAuthorityIndex(code, index);
    }

    /// @inheritdoc IKPRegistry
    function authorityWindowAt(bytes2 code, uint16 index) external view returns (address key, uint40 validUntil) {
        key = authorityAt(code, index);
        validUntil = _authorities[key].validUntil;
    }

    /// @inheritdoc IKPRegistry
    function pendingAuthority(address key) external view returns (PendingAuthority memory) {
        return _pending[key];
    }

    /// @inheritdoc IKPRegistry
    function checkAuthority(address key, bytes2 code) public view {
        Authority memory a = _authorities[key];
        if (a.participant != code) {
            if (a.participant == 0) revert UnknownAuthority(key);
            revert NotAuthorityOf(key, code, a.participant);
        }
        Participant storage p = _participants[code];
        if (p.standing == Standing.Withdrawn) revert ParticipantNotAdmitted(code, Standing.Withdrawn);
        if (a.admission != p.admissions) revert AuthorityLapsed(key, code);
        if (block.timestamp < a.validFrom || block.timestamp >= a.validUntil) {
            revert AuthorityNotValid(key, code, a.validFrom, a.validUntil);
        }
    }

    /// @inheritdoc IKPRegistry
    function checkIssue(address key, bytes2 exporting, bytes2 importing, bytes32[] calldata origins)
        external
        view
        returns (uint16 index)
    {
        checkAuthority(key, exporting);
        _checkTrade(exporting, importing, origins);
        return _authorities[key].index;
    }

    /// @inheritdoc IKPRegistry
    function checkPaperImport(address key, bytes2 exporting, bytes2 importing, bytes32[] calldata origins)
        external
        view
        returns (uint16 index)
    {
        checkAuthority(key, importing);
        _checkTrade(exporting, importing, origins);
        return _authorities[key].index;
    }

    /// @inheritdoc IKPRegistry
    function checkProducer(address key, bytes32 origin) external view returns (uint16 index) {
        bytes2 code = bytes2(origin);
        checkAuthority(key, code);
        Standing standing = _participants[code].standing;
        if (standing != Standing.Admitted) revert ParticipantNotAdmitted(code, standing);
        if (!_isOrigin(origin)) revert InvalidOrigin(origin);
        return _authorities[key].index;
    }

    // ------------------------------------------------------------------ internals

    /// @dev The rule of trade, in one place for a certificate and for a paper one registered on
    /// receipt: both participants admitted and not barred in that direction, and each origin valid and
    /// not under an export embargo unless it names a compliant zone; an exporter under a partial embargo
    /// ships rough of its compliant zones only.
    function _checkTrade(bytes2 exporting, bytes2 importing, bytes32[] calldata origins) private view {
        if (exporting == importing) revert SameParticipant(exporting);

        Participant memory exporter = _participants[exporting];
        if (exporter.standing != Standing.Admitted) revert ParticipantNotAdmitted(exporting, exporter.standing);
        bool onlyZones = _inForce(exporter.exportsBarredSince, exporter.exportsBarredUntil);
        if (onlyZones && _zones[exporting].length == 0) revert ExportsBarred(exporting, exporter.exportsBarredSince);

        Participant memory importer = _participants[importing];
        if (importer.standing != Standing.Admitted) revert ParticipantNotAdmitted(importing, importer.standing);
        if (_inForce(importer.importsBarredSince, importer.importsBarredUntil)) {
            revert ImportsBarred(importing, importer.importsBarredSince);
        }

        if (origins.length == 0 || origins.length > MAX_ORIGINS) {
            revert InvalidOriginCount(origins.length, MAX_ORIGINS);
        }
        for (uint256 i; i < origins.length; ++i) {
            bytes32 origin = origins[i];
            if (_repeats(origins, i)) revert DuplicateOrigin(origin);
            _checkOrigin(origin);
            if (onlyZones && !_isCompliantZone(exporting, origin)) revert ExportsLimitedToZones(exporting, origin);
        }
    }

    // ------------------------------------------------------------------ internals

    function _checkOrigin(bytes32 origin) private view {
        if (!_isOrigin(origin)) revert InvalidOrigin(origin);
        Participant memory p = _participants[bytes2(origin)];
        if (p.standing == Standing.None) revert InvalidOrigin(origin);
        if (_inForce(p.exportsBarredSince, p.exportsBarredUntil) && !_isCompliantZone(bytes2(origin), origin)) {
            revert OriginEmbargoed(origin, p.exportsBarredSince);
        }
    }

    function _isCompliantZone(bytes2 code, bytes32 origin) private view returns (bool) {
        bytes32[] storage zones = _zones[code];
        for (uint256 i; i < zones.length; ++i) {
            if (zones[i] == origin) return true;
        }
        return false;
    }

    /// @dev The secretariat's key waits for the participant's consent; the plenary's is added at once.
    function _propose(address key, bytes2 code, uint40 validFrom, uint40 validUntil) private {
        _requireAddable(key, code, validFrom, validUntil);
        _pending[key] = PendingAuthority(code, validFrom, validUntil);
        emit AuthorityProposed(key, code, validFrom, validUntil);
    }

    function _requireAddable(address key, bytes2 code, uint40 validFrom, uint40 validUntil) private view {
        if (key == address(0)) revert InvalidAuthorityAddress(key);
        Participant storage p = _known(code);
        if (p.standing == Standing.Withdrawn) revert ParticipantNotAdmitted(code, p.standing);
        bytes2 existing = _authorities[key].participant;
        if (existing != 0) revert AuthorityExists(key, existing);
        if (validFrom < block.timestamp) validFrom = uint40(block.timestamp);
        if (validFrom >= validUntil) revert InvalidValidity(validFrom, validUntil);
    }

    function _addAuthority(address key, bytes2 code, uint40 validFrom, uint40 validUntil) private {
        _requireAddable(key, code, validFrom, validUntil);
        Participant storage p = _participants[code];
        // A key cannot have been valid before it was registered.
        if (validFrom < block.timestamp) validFrom = uint40(block.timestamp);
        uint16 index = p.keyCount;
        if (index == type(uint16).max) revert TooManyKeys(code);
        p.keyCount = index + 1;
        _keys[code][index] = key;
        _authorities[key] = Authority(code, index, p.admissions, validFrom, validUntil);
        emit AuthorityAdded(key, code, index, validFrom, validUntil);
    }

    /// @dev `at` must be after now: a key retired at the current second would invalidate what it
    /// issued in that same second.
    function _retire(address key, uint40 at) private returns (bytes2 code, uint40 end) {
        Authority storage a = _registered(key);
        uint40 earliest = uint40(block.timestamp) + 1;
        end = at == 0 ? earliest : at;
        if (end < earliest || end > a.validUntil) revert InvalidValidityEnd(key, end, earliest, a.validUntil);
        a.validUntil = end;
        code = a.participant;
        emit AuthorityRetired(key, code, end);
    }

    function _changeStanding(bytes2 code, Standing from, Standing to) private {
        Participant storage p = _known(code);
        if (p.standing != from) revert InvalidStandingChange(code, p.standing, to);
        _setStanding(p, to);
    }

    function _setStanding(Participant storage p, Standing standing) private {
        p.standing = standing;
        p.standingSince = uint40(block.timestamp);
    }

    function _known(bytes2 code) private view returns (Participant storage p) {
        p = _participants[code];
        if (p.standing == Standing.None) revert UnknownParticipant(code);
    }

    function _registered(address key) private view returns (Authority storage a) {
        a = _authorities[key];
        if (a.participant == 0) revert UnknownAuthority(key);
    }

    function _inForce(uint40 since, uint40 until) private view returns (bool) {
        return since != 0 && since <= block.timestamp && (until == 0 || block.timestamp < until);
    }

    function _requireScope(uint8 scope) private pure {
        if (scope > uint8(type(Scope).max)) revert InvalidScope(scope);
    }

    /// @dev `CODE`, or `CODE/zone` with a zone of letters, digits, space, `.`, `'` or `-` that starts
    /// with a letter or digit; zero bytes after it, and only there. The code itself is checked by
    /// being a known participant.
    function _isOrigin(bytes32 origin) private pure returns (bool) {
        if (origin[2] == 0) return uint256(origin) << 24 == 0;
        if (origin[2] != "/" || !_isAlphanumeric(origin[3])) return false;
        uint256 i = 4;
        for (; i < 32 && origin[i] != 0; ++i) {
            bytes1 c = origin[i];
            if (!_isAlphanumeric(c) && c != " " && c != "." && c != "'" && c != "-") return false;
        }
        return i == 32 || uint256(origin) << (8 * i) == 0;
    }

    function _isAlphanumeric(bytes1 c) private pure returns (bool) {
        return _isCapital(c) || (c >= "a" && c <= "z") || (c >= "0" && c <= "9");
    }

    /// @dev Whether `items[index]` already appears before `index` (lists here hold at most 32).
    function _repeats(bytes32[] calldata items, uint256 index) private pure returns (bool) {
        for (uint256 j; j < index; ++j) {
            if (items[j] == items[index]) return true;
        }
        return false;
    }

    function _requireCode(bytes2 code) private pure {
        if (!_isCapital(code[0]) || !_isCapital(code[1])) revert InvalidParticipantCode(code);
    }

    function _isCapital(bytes1 c) private pure returns (bool) {
        return c >= "A" && c <= "Z";
    }

    function _grantNonZero(bytes32 role, address account) private {
        if (account == address(0)) revert InvalidRoleHolder(role);
        _grantRole(role, account);
    }
}
