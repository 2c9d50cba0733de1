// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IKPRegistry} from "./interfaces/IKPRegistry.sol";

/// @title KPRegistry
/// @notice The Kimberley Process participant registry: participants, embargoes, authority keys.
/// @dev Storage:
///   `_participants[code]`   one slot: standing (8 bits) | standingSince (40) | exportsBarredSince (40)
///                           | importsBarredSince (40); 128 bits spare.
///   `_names[code]`          the name, a string (written once per admission, read by people only).
///   `_zones[code]`          compliant zones of the export embargo; read only when rough from an
///                           embargoed participant is exported, so a short array is cheapest overall.
///   `_authorities[key]`     one slot: participant (16) | validFrom (40) | validUntil (40).
///   `_codes`                every code ever admitted, for enumeration.
contract KPRegistry is IKPRegistry, AccessControl {
    bytes32 public constant CHAIR_ROLE = keccak256("CHAIR_ROLE");
    bytes32 public constant SECRETARIAT_ROLE = keccak256("SECRETARIAT_ROLE");

    /// @notice No certificate names more origins than this.
    uint256 public constant MAX_ORIGINS = 8;

    /// @notice `validUntil` of a key with no end.
    uint40 public constant OPEN_END = type(uint40).max;

    mapping(bytes2 code => Participant) private _participants;
    mapping(bytes2 code => string) private _names;
    mapping(bytes2 code => bytes32[]) private _zones;
    mapping(address key => Authority) private _authorities;
    bytes2[] private _codes;

    /// @param admin gets `DEFAULT_ADMIN_ROLE` (meant for a multisig); `chair` and `secretariat` get theirs.
    constructor(address admin, address chair, address secretariat) {
        _grantNonZero(DEFAULT_ADMIN_ROLE, admin);
        _grantNonZero(CHAIR_ROLE, chair);
        _grantNonZero(SECRETARIAT_ROLE, secretariat);
    }

    // ------------------------------------------------------------------ Chair

    /// @inheritdoc IKPRegistry
    function admit(bytes2 code, string calldata name) external onlyRole(CHAIR_ROLE) {
        _requireCode(code);
        if (bytes(name).length == 0) revert EmptyParticipantName(code);
        Participant storage p = _participants[code];
        Standing standing = p.standing;
        if (standing != Standing.None && standing != Standing.Withdrawn) {
            revert InvalidStandingChange(code, standing, Standing.Admitted);
        }
        if (standing == Standing.None) _codes.push(code);
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
    function reinstate(bytes2 code) external onlyRole(CHAIR_ROLE) {
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
    function setEmbargo(bytes2 code, Scope scope, uint40 since, bytes32[] calldata zones)
        external
        onlyRole(CHAIR_ROLE)
    {
        Participant storage p = _known(code);
        if (since == 0) revert InvalidEmbargoStart(code, since);
        if (scope == Scope.Exports) {
            p.exportsBarredSince = since;
            delete _zones[code];
            for (uint256 i; i < zones.length; ++i) {
                if (!_isZoneOf(zones[i], code)) revert InvalidZone(code, zones[i]);
                _zones[code].push(zones[i]);
            }
        } else {
            if (zones.length != 0) revert InvalidZone(code, zones[0]);
            p.importsBarredSince = since;
        }
        emit EmbargoSet(code, scope, since, zones);
    }

    /// @inheritdoc IKPRegistry
    function liftEmbargo(bytes2 code, Scope scope) external onlyRole(CHAIR_ROLE) {
        Participant storage p = _known(code);
        if (scope == Scope.Exports) {
            if (p.exportsBarredSince == 0) revert NoEmbargo(code, scope);
            p.exportsBarredSince = 0;
            delete _zones[code];
        } else {
            if (p.importsBarredSince == 0) revert NoEmbargo(code, scope);
            p.importsBarredSince = 0;
        }
        emit EmbargoLifted(code, scope);
    }

    // ------------------------------------------------------------------ secretariat

    /// @inheritdoc IKPRegistry
    function addAuthority(address key, bytes2 code, uint40 validFrom, uint40 validUntil)
        external
        onlyRole(SECRETARIAT_ROLE)
    {
        _addAuthority(key, code, validFrom, validUntil);
    }

    /// @inheritdoc IKPRegistry
    function rotateAuthority(address predecessor, address successor, uint40 at) external onlyRole(SECRETARIAT_ROLE) {
        bytes2 code = _retire(predecessor, at);
        _addAuthority(successor, code, at, OPEN_END);
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

    // ------------------------------------------------------------------ views

    /// @inheritdoc IKPRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
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
    function checkAuthority(address key, bytes2 code) public view {
        Authority memory a = _authorities[key];
        if (a.participant != code) {
            if (a.participant == 0) revert UnknownAuthority(key);
            revert NotAuthorityOf(key, code, a.participant);
        }
        if (block.timestamp < a.validFrom || block.timestamp >= a.validUntil) {
            revert AuthorityNotValid(key, code, a.validFrom, a.validUntil);
        }
    }

    /// @inheritdoc IKPRegistry
    function checkIssue(address key, bytes2 exporting, bytes2 importing, bytes32[] calldata origins)
        external
        view
    {
        checkAuthority(key, exporting);
        if (exporting == importing) revert SameParticipant(exporting);

        Participant memory exporter = _participants[exporting];
        if (exporter.standing != Standing.Admitted) revert ParticipantNotAdmitted(exporting, exporter.standing);
        // A partial embargo (with compliant zones) lets the exporter ship rough from those zones only;
        // the origin check below enforces which rough.
        if (_inForce(exporter.exportsBarredSince) && _zones[exporting].length == 0) {
            revert ExportsBarred(exporting, exporter.exportsBarredSince);
        }

        Participant memory importer = _participants[importing];
        if (importer.standing != Standing.Admitted) revert ParticipantNotAdmitted(importing, importer.standing);
        if (_inForce(importer.importsBarredSince)) revert ImportsBarred(importing, importer.importsBarredSince);

        if (origins.length == 0 || origins.length > MAX_ORIGINS) {
            revert InvalidOriginCount(origins.length, MAX_ORIGINS);
        }
        for (uint256 i; i < origins.length; ++i) {
            _checkOrigin(origins[i]);
        }
    }

    // ------------------------------------------------------------------ internals

    function _checkOrigin(bytes32 origin) private view {
        bytes2 code = bytes2(origin);
        // `CODE`, or `CODE/zone`: the byte after the code is zero or a slash.
        bytes1 separator = origin[2];
        if (separator != 0 && (separator != "/" || origin[3] == 0)) revert InvalidOrigin(origin);
        if (separator == 0 && uint256(origin) << 24 != 0) revert InvalidOrigin(origin);
        Participant memory p = _participants[code];
        if (p.standing == Standing.None) revert InvalidOrigin(origin);
        if (!_inForce(p.exportsBarredSince)) return;
        if (separator != 0) {
            bytes32[] storage zones = _zones[code];
            for (uint256 i; i < zones.length; ++i) {
                if (zones[i] == origin) return;
            }
        }
        revert OriginEmbargoed(origin, p.exportsBarredSince);
    }

    function _addAuthority(address key, bytes2 code, uint40 validFrom, uint40 validUntil) private {
        if (key == address(0)) revert InvalidAuthorityAddress(key);
        Participant storage p = _known(code);
        if (p.standing == Standing.Withdrawn) revert ParticipantNotAdmitted(code, p.standing);
        bytes2 existing = _authorities[key].participant;
        if (existing != 0) revert AuthorityExists(key, existing);
        if (validFrom >= validUntil) revert InvalidValidity(validFrom, validUntil);
        _authorities[key] = Authority(code, validFrom, validUntil);
        emit AuthorityAdded(key, code, validFrom, validUntil);
    }

    function _retire(address key, uint40 at) private returns (bytes2 code) {
        Authority storage a = _registered(key);
        uint40 now_ = uint40(block.timestamp);
        if (at < now_ || at > a.validUntil) revert InvalidValidityEnd(key, at, now_, a.validUntil);
        a.validUntil = at;
        code = a.participant;
        emit AuthorityRetired(key, code, at);
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

    function _inForce(uint40 since) private view returns (bool) {
        return since != 0 && since <= block.timestamp;
    }

    function _isZoneOf(bytes32 zone, bytes2 code) private pure returns (bool) {
        return bytes2(zone) == code && zone[2] == "/" && zone[3] != 0;
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
