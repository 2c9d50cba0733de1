// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IKPCertificates} from "./interfaces/IKPCertificates.sol";
import {IKPRegistry} from "./interfaces/IKPRegistry.sol";
import {CertificateArt} from "./libraries/CertificateArt.sol";
import {KPCertificateArt} from "./KPCertificateArt.sol";
import {KPSignatures} from "./KPSignatures.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC7572} from "./interfaces/IERC7572.sol";

/// @title KPCertificates
/// @notice Kimberley Process certificates: ERC-721 tokens locked to their holder for ever (ERC-5192).
/// @dev Why not OpenZeppelin's ERC721: a certificate never moves, so none of its transfer and approval
/// state is needed, and its owner slot cannot be packed with the certificate. Here a certificate is
/// one storage slot, so issuing one writes that slot and updates its holder's balance.
///
/// Storage:
///   `_records[tokenId]`   one slot, low bits first:
///                           holderKey (96 bits) | issuedAt (32, Unix seconds) | expiresAt (32)
///                           | carats (40, hundredths) | importing (16, ASCII) | issuerIndex (16)
///                           | status (8) | hsCode (8)
///   `_holders[holderKey]` one slot: holder address (160) | balance (96).
///   `_displacedKeys[holder]` the key of a holder displaced from its primary key (below).
///   `_provenance[tokenId]` one slot, written only when needed: drawn (40, hundredths of a carat drawn
///                         by children) | origins (216, the high bits of keccak256 of the packed origins;
///                         zero when the origins are exactly the exporter's code, as for a first export
///                         of the exporter's own production, so those cost no second slot at issue).
///   Roots (registered production and paper certificates) use the same two mappings: a `Record` with
///   holderKey 0, issuedAt the time of registration, expiresAt 0, importing the registrant, issuerIndex
///   the registering key, status `Confirmed` (or `Voided`) and hsCode the paper's (0 for production).
/// A holder is stored once, so a certificate names it in 96 bits: under its primary key, the low 95
/// bits of its address. Anyone can issue to any address, so an address sharing another's low 95 bits
/// can be made to hold a certificate first; the later address is then *displaced*, not refused: it
/// gets a key of its own, 2^95 plus a count (`_displacedKeys`), so no address can block another's.
/// The issuer is named by its index among the exporting participant's keys
/// in the registry (`issuerIndex`). Times are 32-bit here (valid until 2106) to fit the slot.
/// The value, parcels, origins and document commitment, which no rule reads after issue, live in the
/// `CertificateIssued` event: as much part of the chain as storage, for a fraction of the gas.
///
/// Non-transferability is enforced in one place: no function moves a token after mint, and every
/// transfer and approval entry point reverts through `_refuseTransfer`.
/// Off-line signatures (EIP-712: domain, types, checks) are `KPSignatures`', which this inherits.
contract KPCertificates is
    IKPCertificates,
    IERC721Metadata,
    IERC5192,
    IERC4906,
    IERC7572,
    IERC721Errors,
    KPSignatures
{
    using Strings for uint256;

    /// @notice Kind byte of a production root's id: `"BW#JWANENG-2024-Q3"`.
    bytes1 public constant PRODUCTION = "#";

    /// @notice Kind byte of a paper certificate root's id: `"AE:ZA-2024-012345"`.
    bytes1 public constant PAPER = ":";

    /// @notice No certificate names more parents than this.
    uint256 public constant MAX_PARENTS = 32;

    struct Record {
        uint96 holderKey;
        uint32 issuedAt;
        uint32 expiresAt;
        uint40 carats;
        bytes2 importing;
        uint16 issuerIndex;
        Status status;
        uint8 hsCode;
    }

    struct Holder {
        address holder;
        uint96 balance;
    }

    struct Provenance {
        uint40 drawn;
        bytes27 origins;
    }

    IKPRegistry private immutable _registry;
    KPCertificateArt private immutable _art;

    mapping(uint256 tokenId => Record) private _records;
    mapping(uint96 holderKey => Holder) private _holders;
    mapping(uint256 tokenId => Provenance) private _provenance;
    mapping(address holder => uint96 key) private _displacedKeys;
    uint96 private _displacedCount;

    /// @dev Primary holder keys are below this; displaced holders' keys are this plus a count.
    uint96 private constant _DISPLACED = uint96(1) << 95;

    /// @dev The registry's `SECRETARIAT_ROLE` (`tests/contracts/test_wallets.py` checks they agree).
    bytes32 private constant _SECRETARIAT_ROLE = keccak256("SECRETARIAT_ROLE");
    /// @dev What a wallet shows when a transfer or approval is refused: a plain `Error(string)`, which
    /// wallets decode, rather than a custom error only this contract's ABI names.
    string private constant _BOUND = "KP certificate: bound to its holder's wallet, it cannot be transferred or approved";

    /// @param verificationPage_ The verification page (`kp serve` at a public address) the tokens'
    /// `external_url` leads to, `<page>/certificates/<token id>`; empty: none.
    constructor(IKPRegistry registry_, string memory verificationPage_) {
        if (address(registry_) == address(0)) revert InvalidRegistry(address(registry_));
        _registry = registry_;
        _art = new KPCertificateArt(verificationPage_);
    }

    // ------------------------------------------------------------------ wallets

    /// @notice ERC-7572: the collection's metadata (name, description, the verification page).
    function contractURI() external view returns (string memory) {
        return _art.contractURI();
    }

    /// @notice The verification page the tokens' `external_url` leads to.
    function verificationPage() external view returns (string memory) {
        return _art.page();
    }

    /// @notice Move the verification page (the secretariat): every token's metadata changes.
    function setVerificationPage(string calldata page) external {
        _requireSecretariat();
        _art.setPage(page);
        emit ContractURIUpdated();
        emit BatchMetadataUpdate(0, type(uint256).max);
    }

    /// @notice Tell wallets to read every token's metadata again (ERC-4906), as the secretariat does
    /// when disabling a key changes how its certificates show.
    function refreshMetadata() external {
        _requireSecretariat();
        emit BatchMetadataUpdate(0, type(uint256).max);
    }

    function _requireSecretariat() private view {
        if (!IAccessControl(address(_registry)).hasRole(_SECRETARIAT_ROLE, msg.sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, _SECRETARIAT_ROLE);
        }
    }

    // ------------------------------------------------------------------ authorities

    /// @inheritdoc IKPCertificates
    function issue(Issue calldata cert) external returns (uint256 tokenId) {
        return _issue(cert, msg.sender);
    }

    /// @inheritdoc IKPCertificates
    function issueWithSignature(Issue calldata cert, address authority, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 tokenId)
    {
        _requireSignature(authority, _hashIssue(cert, deadline), deadline, signature);
        return _issue(cert, authority);
    }

    /// @inheritdoc IKPCertificates
    function confirmReceiptWithSignature(uint256 tokenId, address authority, uint256 deadline, bytes calldata signature)
        external
    {
        _requireSignature(authority, keccak256(abi.encode(CONFIRM_TYPEHASH, tokenId, deadline)), deadline, signature);
        _confirm(tokenId, authority);
    }

    /// @inheritdoc IKPCertificates
    function issueBatch(Issue[] calldata certs) external returns (uint256[] memory tokenIds) {
        if (certs.length == 0) revert EmptyBatch();
        tokenIds = new uint256[](certs.length);
        for (uint256 i; i < certs.length; ++i) {
            tokenIds[i] = _issue(certs[i], msg.sender);
        }
    }

    /// @inheritdoc IKPCertificates
    function registerProduction(Production calldata production) external returns (uint256 rootId) {
        bytes32 lot = production.lot;
        uint256 length = _textLength(lot, 0);
        if (length == 0 || length > 29) revert InvalidLot(lot);
        if (production.carats == 0) revert InvalidCarats(production.carats);
        (uint40 start, uint40 end) = (production.periodStart, production.periodEnd);
        if (start >= end || end > block.timestamp) revert InvalidPeriod(start, end); // mined, not forecast
        bytes32 origin = production.origin;
        uint16 index = _registry.checkProducer(msg.sender, origin);
        bytes2 producer = bytes2(origin);
        rootId = _rootId(producer, PRODUCTION, lot);
        bytes27 originsKey = origin == bytes32(producer) ? bytes27(0) : bytes27(keccak256(abi.encode(origin)));
        _register(rootId, producer, index, production.carats, 0, originsKey);
        emit ProductionRegistered(rootId, producer, msg.sender, production);
    }

    /// @inheritdoc IKPCertificates
    function registerPaperCertificate(PaperCertificate calldata paper) external returns (uint256 rootId) {
        bytes32 number = paper.number;
        _requireNumber(number);
        if (uint24(uint256(number)) != 0) revert InvalidCertificateNumber(number); // 29 characters at most
        if (paper.carats == 0) revert InvalidCarats(paper.carats);
        if (paper.parcels == 0) revert InvalidParcels(paper.parcels);
        _requireHsCode(paper.hsCode);
        // Registered on receipt: issued, and not yet expired (an expired certificate admits no rough).
        if (paper.issuedAt > block.timestamp || paper.expiresAt <= block.timestamp) {
            revert InvalidPaperDates(paper.issuedAt, paper.expiresAt);
        }
        // One shipment enters once: not as paper if it came on a digital certificate of that number.
        if (_records[uint256(number)].status != Status.None) revert CertificateExists(uint256(number));
        (bytes2 exporting, bytes2 importing) = (bytes2(number), paper.importing);
        uint16 index = _registry.checkPaperImport(msg.sender, exporting, importing, paper.origins);
        rootId = _rootId(importing, PAPER, number);
        _register(rootId, importing, index, paper.carats, paper.hsCode, _originsKey(importing, paper.origins));
        emit PaperCertificateRegistered(rootId, importing, exporting, msg.sender, paper);
    }

    /// @inheritdoc IKPCertificates
    function confirmReceipt(uint256 tokenId) external {
        _confirm(tokenId, msg.sender);
    }

    /// @inheritdoc IKPCertificates
    function void(uint256 tokenId, uint8 reason) external {
        Record storage r = _existing(tokenId);
        if (reason == 0 || reason > uint8(type(VoidReason).max)) revert InvalidVoidReason(tokenId, reason);
        if (r.status == Status.Voided) revert CertificateAlreadyVoided(tokenId);
        bytes2 exporting = bytes2(bytes32(tokenId));
        _registry.checkAuthority(msg.sender, exporting);
        r.status = Status.Voided;
        emit CertificateVoided(tokenId, exporting, msg.sender, VoidReason(reason));
        emit MetadataUpdate(tokenId);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IKPCertificates
    function version() external pure returns (string memory) {
        return "3.0.0";
    }

    /// @inheritdoc IKPCertificates
    function registry() external view returns (IKPRegistry) {
        return _registry;
    }

    /// @inheritdoc IKPCertificates
    function certificate(uint256 tokenId) external view returns (Certificate memory) {
        return _view(tokenId, _existing(tokenId));
    }

    /// @inheritdoc IKPCertificates
    function certificates(uint256[] calldata tokenIds) external view returns (Certificate[] memory found) {
        found = new Certificate[](tokenIds.length);
        for (uint256 i; i < tokenIds.length; ++i) {
            Record storage r = _records[tokenIds[i]];
            if (r.status != Status.None) found[i] = _view(tokenIds[i], r);
        }
    }

    /// @inheritdoc IKPCertificates
    function statusOf(uint256 tokenId) external view returns (Status) {
        return _statusOf(_records[tokenId]);
    }

    /// @inheritdoc IKPCertificates
    function issuerValidAtIssue(uint256 tokenId) public view returns (bool) {
        Record storage r = _existing(tokenId);
        return _issuedByValidKey(tokenId, r);
    }

    /// @inheritdoc IKPCertificates
    function isValid(uint256 tokenId) external view returns (bool) {
        Status status = _statusOf(_records[tokenId]);
        return (status == Status.Issued || status == Status.Confirmed) && issuerValidAtIssue(tokenId);
    }

    // ------------------------------------------------------------------ ERC-721, ERC-5192

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC165).interfaceId || interfaceId == type(IERC721).interfaceId
            || interfaceId == type(IERC721Metadata).interfaceId || interfaceId == type(IERC5192).interfaceId
            || interfaceId == bytes4(0x49064906); // ERC-4906: metadata updates
    }

    /// @inheritdoc IERC721
    function balanceOf(address holder) external view returns (uint256) {
        if (holder == address(0)) revert ERC721InvalidOwner(address(0));
        Holder memory h = _holders[_primaryKey(holder)];
        if (h.holder != holder) h = _holders[_displacedKeys[holder]];
        return h.holder == holder ? h.balance : 0;
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) external view returns (address) {
        return _holderOf(tokenId);
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _holderOf(tokenId);
        return true;
    }

    /// @inheritdoc IERC721Metadata
    function name() external pure returns (string memory) {
        return "Kimberley Process Certificate";
    }

    /// @inheritdoc IERC721Metadata
    function symbol() external pure returns (string memory) {
        return "KPC";
    }

    /// @inheritdoc IERC721Metadata
    /// @dev On-chain JSON: the certificate number, its route, figures and current status.
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        Record storage c = _records[tokenId];
        if (c.status == Status.None || _isRoot(tokenId)) revert ERC721NonexistentToken(tokenId);
        (string memory status, string memory colour) = _statusName(tokenId, c);
        return _art.tokenURI(
            CertificateArt.Card({
                number: _numberOf(tokenId),
                exporting: _codeString(bytes2(bytes32(tokenId))),
                importing: _codeString(c.importing),
                carats: c.carats,
                hsCode: c.hsCode,
                issuedAt: c.issuedAt,
                expiresAt: c.expiresAt,
                status: status,
                colour: colour,
                exporter: _registry.participantName(bytes2(bytes32(tokenId))),
                tokenId: tokenId
            })
        );
    }

    /// @inheritdoc IERC721
    /// @dev Refused: certificates are bound to their holder.
    function transferFrom(address, address, uint256) external pure {
        _refuseTransfer();
    }

    /// @inheritdoc IERC721
    /// @dev Refused: certificates are bound to their holder.
    function safeTransferFrom(address, address, uint256) external pure {
        _refuseTransfer();
    }

    /// @inheritdoc IERC721
    /// @dev Refused: certificates are bound to their holder.
    function safeTransferFrom(address, address, uint256, bytes calldata) external pure {
        _refuseTransfer();
    }

    /// @inheritdoc IERC721
    /// @dev Refused: certificates are bound to their holder.
    function approve(address, uint256) external pure {
        _refuseTransfer();
    }

    /// @inheritdoc IERC721
    /// @dev Refused: certificates are bound to their holder.
    function setApprovalForAll(address, bool) external pure {
        _refuseTransfer();
    }

    /// @inheritdoc IERC721
    /// @dev Always the zero address: nobody can be approved.
    function getApproved(uint256 tokenId) external view returns (address) {
        _holderOf(tokenId);
        return address(0);
    }

    /// @inheritdoc IERC721
    /// @dev Always false: nobody can be approved.
    function isApprovedForAll(address, address) external pure returns (bool) {
        return false;
    }

    // ------------------------------------------------------------------ internals

    function _confirm(uint256 tokenId, address authority) private {
        Record storage r = _existing(tokenId);
        Status status = _statusOf(r);
        if (status != Status.Issued) revert CertificateNotPending(tokenId, status);
        bytes2 importing = r.importing;
        _registry.checkAuthority(authority, importing);
        r.status = Status.Confirmed;
        emit ReceiptConfirmed(tokenId, importing, authority);
        emit MetadataUpdate(tokenId);
    }

    function _issue(Issue calldata cert, address issuer) private returns (uint256 tokenId) {
        bytes32 number = cert.number;
        _requireNumber(number);
        tokenId = uint256(number);
        if (_records[tokenId].status != Status.None) revert CertificateExists(tokenId);
        address holder = cert.holder;
        if (holder == address(0)) revert InvalidHolder(holder);
        if (cert.carats == 0) revert InvalidCarats(cert.carats);
        if (cert.parcels == 0) revert InvalidParcels(cert.parcels);
        uint8 hsCode = cert.hsCode;
        _requireHsCode(hsCode);
        uint40 expiresAt = cert.expiresAt;
        if (expiresAt <= block.timestamp || expiresAt > type(uint32).max) {
            revert InvalidExpiry(expiresAt, uint40(block.timestamp));
        }
        if (cert.document == 0) revert MissingDocumentCommitment(tokenId);
        bytes2 exporting = bytes2(number);
        bytes32[] calldata origins = cert.origins;
        uint16 issuerIndex = _registry.checkIssue(issuer, exporting, cert.importing, origins);
        _drawFromParents(tokenId, exporting, issuerIndex, cert);
        bytes27 originsKey = _originsKey(exporting, origins);
        if (originsKey != 0) _provenance[tokenId].origins = originsKey;

        _records[tokenId] = Record({
            holderKey: _addToHolder(holder),
            issuedAt: uint32(block.timestamp),
            expiresAt: uint32(expiresAt),
            carats: cert.carats,
            importing: cert.importing,
            issuerIndex: issuerIndex,
            status: Status.Issued,
            hsCode: hsCode
        });
        emit Transfer(address(0), holder, tokenId);
        emit Locked(tokenId);
        _emitIssued(tokenId, exporting, cert, issuer);
    }

    /// @dev Checks and records what `cert` draws from its parents, and that they account exactly for its
    /// carats and its origins (see the provenance rules in IKPCertificates).
    function _drawFromParents(uint256 tokenId, bytes2 exporting, uint16 issuerIndex, Issue calldata cert)
        private
    {
        Draw[] calldata parents = cert.parents;
        if (parents.length > MAX_PARENTS) revert TooManyParents(parents.length, MAX_PARENTS);
        uint256 drawn = 0;
        for (uint256 i; i < parents.length; ++i) {
            uint256 parentId = parents[i].tokenId;
            for (uint256 j; j < i; ++j) {
                if (parents[j].tokenId == parentId) revert DuplicateParent(parentId);
            }
            drawn += _draw(tokenId, exporting, issuerIndex, parents[i], cert.origins);
        }
        if (drawn != cert.carats) revert CaratsNotDrawn(cert.carats, drawn);
        bytes32[] calldata origins = cert.origins;
        for (uint256 i; i < origins.length; ++i) {
            if (!_drawnFrom(parents, origins[i])) revert OriginNotCovered(origins[i]);
        }
    }

    /// @dev Draws `d.carats` from parent `d.tokenId` for certificate `tokenId` of `exporting`, issued by
    /// its key `issuerIndex` with `origins`; returns the carats drawn.
    function _draw(uint256 tokenId, bytes2 exporting, uint16 issuerIndex, Draw calldata d, bytes32[] calldata origins)
        private
        returns (uint40 carats)
    {
        uint256 parentId = d.tokenId;
        carats = d.carats;
        if (carats == 0) revert InvalidDraw(parentId, carats);
        Record storage p = _records[parentId];
        if (p.status != Status.Confirmed) revert ParentNotConfirmed(parentId, p.status);
        if (p.importing != exporting) revert ParentNotHeld(parentId, p.importing, exporting);
        // A root the issuing key registered itself needs no look-up: that key is valid now (the
        // registry just said so), so it was when it registered, earlier, in the same admission.
        bool registeredByIssuer = bytes2(bytes32(parentId)) == exporting && p.issuerIndex == issuerIndex;
        if (!registeredByIssuer && !_issuedByValidKey(parentId, p)) revert ParentIssuerNotValid(parentId);
        Provenance storage q = _provenance[parentId];
        if (q.origins != _originsKey(bytes2(bytes32(parentId)), d.origins)) revert ParentOriginsMismatch(parentId);
        _requireCarried(parentId, d.origins, origins);
        uint40 remaining = p.carats - q.drawn;
        if (carats > remaining) revert ParentOverdrawn(parentId, carats, remaining);
        q.drawn += carats;
        emit CaratsDrawn(tokenId, parentId, carats, p.issuedAt);
    }

    /// @dev Origins follow the carats: every origin of `parentId` is among the certificate's `origins`.
    function _requireCarried(uint256 parentId, bytes32[] calldata theirs, bytes32[] calldata origins)
        private
        pure
    {
        for (uint256 i; i < theirs.length; ++i) {
            bytes32 origin = theirs[i];
            bool carried = false;
            for (uint256 j; j < origins.length && !carried; ++j) {
                carried = origins[j] == origin;
            }
            if (!carried) revert OriginNotCarried(parentId, origin);
        }
    }

    /// @dev Whether `origin` is among the origins of one of `parents`.
    function _drawnFrom(Draw[] calldata parents, bytes32 origin) private pure returns (bool) {
        for (uint256 i; i < parents.length; ++i) {
            bytes32[] calldata theirs = parents[i].origins;
            for (uint256 j; j < theirs.length; ++j) {
                if (theirs[j] == origin) return true;
            }
        }
        return false;
    }

    /// @dev Records root `rootId` of `participant`, registered by its key `index`, once.
    function _register(uint256 rootId, bytes2 participant, uint16 index, uint40 carats, uint8 hsCode, bytes27 originsKey)
        private
    {
        if (_records[rootId].status != Status.None) revert AlreadyRegistered(rootId);
        _records[rootId] = Record({
            holderKey: 0,
            issuedAt: uint32(block.timestamp),
            expiresAt: 0,
            carats: carats,
            importing: participant,
            issuerIndex: index,
            status: Status.Confirmed,
            hsCode: hsCode
        });
        if (originsKey != 0) _provenance[rootId].origins = originsKey;
    }

    /// @dev A root's id: `participant`, `kind` and `lot` (29 bytes at most) as ASCII in 32 bytes.
    function _rootId(bytes2 participant, bytes1 kind, bytes32 lot) private pure returns (uint256) {
        return uint256(bytes32(participant) | (bytes32(kind) >> 16) | (lot >> 24));
    }

    /// @dev Whether `id` is a root's rather than a certificate's: a certificate number has `-` third.
    function _isRoot(uint256 id) private pure returns (bool) {
        return bytes32(id)[2] != "-";
    }

    /// @dev What `_provenance` keeps of a certificate's origins: zero for exactly its exporter's code,
    /// else the high 216 bits of the hash of the packed origins.
    function _originsKey(bytes2 exporting, bytes32[] calldata origins) private pure returns (bytes27) {
        if (origins.length == 1 && origins[0] == bytes32(exporting)) return 0;
        return bytes27(keccak256(abi.encodePacked(origins)));
    }

    /// @dev Count one more certificate for `holder`, registering it on its first; returns its key. A
    /// holder whose primary key another address took first is displaced to a key of its own.
    function _addToHolder(address holder) private returns (uint96 key) {
        key = _primaryKey(holder);
        Holder memory h = _holders[key];
        if (h.holder != holder && h.holder != address(0)) {
            key = _displacedKeys[holder];
            if (key == 0) {
                key = _DISPLACED + ++_displacedCount; // below 2^96: one per holder
                _displacedKeys[holder] = key;
            }
            h = _holders[key];
        }
        unchecked {
            _holders[key] = Holder(holder, h.balance + 1); // cannot overflow: one per token
        }
    }

    function _primaryKey(address holder) private pure returns (uint96) {
        return uint96(uint160(holder)) & (_DISPLACED - 1);
    }

    function _emitIssued(uint256 tokenId, bytes2 exporting, Issue calldata cert, address issuer) private {
        emit CertificateIssued(
            tokenId,
            exporting,
            cert.importing,
            issuer,
            cert.origins,
            cert.carats,
            cert.valueUsd,
            cert.parcels,
            cert.hsCode,
            cert.expiresAt,
            cert.document
        );
    }

    function _view(uint256 tokenId, Record storage r) private view returns (Certificate memory) {
        (address issuer, uint40 issuerUntil) = _issuer(tokenId, r);
        return Certificate({
            holder: _isRoot(tokenId) ? address(0) : _holders[r.holderKey].holder,
            issuer: issuer,
            issuedAt: r.issuedAt,
            expiresAt: r.expiresAt,
            status: _statusOf(r),
            issuerValid: issuerUntil > r.issuedAt,
            hsCode: r.hsCode,
            importing: r.importing,
            carats: r.carats,
            drawn: _provenance[tokenId].drawn
        });
    }

    function _existing(uint256 tokenId) private view returns (Record storage r) {
        r = _records[tokenId];
        if (r.status == Status.None) revert UnknownCertificate(tokenId);
    }

    function _holderOf(uint256 tokenId) private view returns (address) {
        Record storage r = _records[tokenId];
        if (r.status == Status.None || _isRoot(tokenId)) revert ERC721NonexistentToken(tokenId);
        return _holders[r.holderKey].holder;
    }

    function _statusOf(Record storage r) private view returns (Status) {
        Status status = r.status;
        if (status == Status.Issued && block.timestamp >= r.expiresAt) return Status.Expired;
        return status;
    }

    /// @dev The issuing key and the end of its window: the certificate is valid only if issued before.
    function _issuer(uint256 tokenId, Record storage r) private view returns (address, uint40) {
        return _registry.authorityWindowAt(bytes2(bytes32(tokenId)), r.issuerIndex);
    }

    /// @dev Whether the issuing key was still valid when it issued the certificate: its window ends
    /// after the certificate's time of issue (a key disabled retroactively ends it before).
    function _issuedByValidKey(uint256 tokenId, Record storage r) private view returns (bool) {
        (, uint40 issuerUntil) = _issuer(tokenId, r);
        return issuerUntil > r.issuedAt;
    }

    function _refuseTransfer() private pure {
        revert(_BOUND);
    }

    /// @dev Bit `c` set for each byte `c` allowed after the prefix: `A-Z`, `0-9`, `-`, `.`, `/`.
    uint256 private constant _NUMBER_CHARS = (((1 << 26) - 1) << 0x41) | (((1 << 10) - 1) << 0x30) | (7 << 0x2d);

    /// @dev Two capital letters, `-`, then 1 to 29 of `A-Z 0-9 - . /`, then zero bytes only.
    function _requireNumber(bytes32 number) private pure {
        if (!_isCapital(number[0]) || !_isCapital(number[1]) || number[2] != "-" || _textLength(number, 3) == 0) {
            revert InvalidCertificateNumber(number);
        }
    }

    /// @dev The length of `word` if from byte `from` on it is 1 or more of `A-Z 0-9 - . /` followed by
    /// zero bytes only (so each text has one word); 0 if it is not.
    function _textLength(bytes32 word, uint256 from) private pure returns (uint256 i) {
        unchecked {
            for (i = from; i < 32; ++i) {
                uint8 c = uint8(word[i]);
                if (c == 0) break;
                if ((_NUMBER_CHARS >> c) & 1 == 0) return 0;
            }
        }
        if (i == from || (i < 32 && uint256(word) << (8 * i) != 0)) return 0;
    }

    function _requireHsCode(uint8 hsCode) private pure {
        if (hsCode != 10 && hsCode != 21 && hsCode != 31) revert InvalidHsCode(hsCode);
    }

    function _isCapital(bytes1 c) private pure returns (bool) {
        return c >= "A" && c <= "Z";
    }

    function _numberOf(uint256 tokenId) private pure returns (string memory) {
        bytes32 number = bytes32(tokenId);
        uint256 length;
        while (length < 32 && number[length] != 0) ++length;
        bytes memory text = new bytes(length);
        for (uint256 i; i < length; ++i) {
            text[i] = number[i];
        }
        return string(text);
    }

    function _codeString(bytes2 code) private pure returns (string memory) {
        return string(abi.encodePacked(code));
    }

    /// @dev The status a person reads, and the colour of its band in the image.
    function _statusName(uint256 tokenId, Record storage c) private view returns (string memory, string memory) {
        if (!_issuedByValidKey(tokenId, c)) return ("Invalid: issuing key disabled", "#a11d1d");
        Status status = _statusOf(c);
        if (status == Status.Issued) return ("Issued", "#1f5f9a");
        if (status == Status.Confirmed) return ("Receipt confirmed", "#1f7a3a");
        if (status == Status.Voided) return ("Voided", "#a11d1d");
        return ("Expired", "#6b6b6b");
    }
}
