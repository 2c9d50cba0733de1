// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IKPRegistry} from "./IKPRegistry.sol";

/// @title Kimberley Process certificates as non-transferable tokens
/// @notice Each certificate is an ERC-721 token locked for ever (ERC-5192) to the wallet of the trader
/// it was issued to. Its token id is its certificate number: the ASCII of `"AE-2024-000123"` left-aligned
/// in 32 bytes, read as a `uint256`. Numbers are therefore unique by construction, and anyone can turn a
/// number into a token id without asking the chain.
///
/// Lifecycle (stored `status`, and what the views derive from time):
///
///     (none) --issue--> Issued --confirmReceipt--> Confirmed
///                         |                          |
///                         +---------void-------------+---> Voided
///     Issued, and now >= expiresAt: reported as Expired (no transaction); it can still be voided,
///     no longer confirmed. Confirmed and Voided certificates never expire.
///
/// Provenance: a certificate may name parent certificates whose rough it re-exports, each with the
/// carats drawn from it. A parent must be a confirmed import of the new certificate's exporter, issued
/// by a key valid at the time; over all its children, no more carats can be drawn from a parent than
/// it carries (`Certificate.drawn` keeps the count). Every origin of the new certificate is either
/// the exporter's own (`"BW"` or `"BW/Orapa"` for a Botswana certificate: its own production) or an
/// origin of one of its parents, and the carats drawn account for all its carats unless it declares
/// its own production. A certificate with no parents is therefore a first export of the exporter's
/// own rough. Voiding a parent later does not undo what its children drew: clients follow the
/// `CaratsDrawn` events and warn about the voided ancestor.
///
/// Issue needs a valid authority key of the exporting participant (the number's prefix); confirmation a
/// valid key of the importing participant; void a valid key of the exporting participant. The names and
/// addresses of exporter and importer are never stored: `document` commits to the full certificate
/// document with per-field salts (see docs/document.md).
interface IKPCertificates {
    /// @notice Stored status; `Expired` is never stored, only derived by `statusOf`.
    enum Status {
        None,
        Issued,
        Confirmed,
        Voided,
        Expired
    }

    /// @notice Why a certificate was voided.
    enum VoidReason {
        None, //           not a reason: refused
        Lost, //           the certificate or the shipment was lost
        Cancelled, //      the shipment did not take place
        IssuedInError, //  a clerical error; a corrected certificate follows under a new number
        Fraud, //          the certificate or the shipment is fraudulent
        Other
    }

    /// @notice Carats a new certificate draws from a parent certificate.
    struct Draw {
        uint256 tokenId; //      the parent certificate
        uint40 carats; //        hundredths of a carat drawn from it
        bytes32[] origins; //    the parent's origins exactly as it was issued with (checked on chain)
    }

    /// @notice What an authority submits to issue one certificate.
    struct Issue {
        bytes32 number; //       ASCII certificate number, left-aligned; its first two letters are the exporter
        address holder; //       the trader wallet the token is bound to
        bytes2 importing; //     participant of destination
        bytes32[] origins; //    countries of origin, `"BW"` or `"CF/Berberati"`, 1 to 8
        uint40 carats; //        hundredths of a carat
        uint40 valueUsd; //      US cents
        uint32 parcels; //       number of parcels
        uint8 hsCode; //         HS subheading after 7102: 10 (7102.10), 21 (7102.21) or 31 (7102.31)
        uint40 expiresAt; //     Unix seconds; in the future, and before 2106 (it is stored in 32 bits)
        bytes32 document; //     commitment to the certificate document
        Draw[] parents; //       certificates whose rough this one re-exports, 0 to 32; none for a first export
    }

    /// @notice A certificate as the chain keeps it (one storage slot; see KPCertificates). Its value,
    /// parcels, origins and document commitment are in its `CertificateIssued` event.
    struct Certificate {
        address holder; //       the trader wallet the token is bound to, for ever
        address issuer; //       the authority key that issued it
        uint40 issuedAt; //      block time of issue
        uint40 expiresAt; //     Unix seconds
        Status status; //        now, as `statusOf` says (Expired derived from time); None if unknown
        bool issuerValid; //     whether the issuing key was valid when it issued (`issuerValidAtIssue`)
        uint8 hsCode; //         10, 21 or 31
        bytes2 importing; //     participant of destination
        uint40 carats; //        hundredths of a carat
        uint40 drawn; //         hundredths of a carat drawn from it by later certificates
    }

    // ------------------------------------------------------------------ events

    /// @notice Certificate `tokenId` was issued; with the `Transfer` from zero and `Locked` events of the
    /// same mint. Carries every Annex I figure, so statistics and audits need only logs.
    event CertificateIssued(
        uint256 indexed tokenId,
        bytes2 indexed exporting,
        bytes2 indexed importing,
        address issuer,
        bytes32[] origins,
        uint40 carats,
        uint40 valueUsd,
        uint32 parcels,
        uint8 hsCode,
        uint40 expiresAt,
        bytes32 document
    );
    /// @notice Certificate `tokenId` draws `carats` from certificate `parentId`; emitted at its issue,
    /// before `CertificateIssued`, once per parent.
    event CaratsDrawn(uint256 indexed tokenId, uint256 indexed parentId, uint40 carats);
    /// @notice The importing participant's `authority` confirmed receipt of certificate `tokenId`.
    event ReceiptConfirmed(uint256 indexed tokenId, bytes2 indexed importing, address indexed authority);
    /// @notice The exporting participant's `authority` voided certificate `tokenId`.
    event CertificateVoided(
        uint256 indexed tokenId, bytes2 indexed exporting, address indexed authority, VoidReason reason
    );

    // ------------------------------------------------------------------ errors

    /// @notice `number` is not a certificate number: two capital letters, `-`, then 1 to 29 of
    /// `A-Z 0-9 - / .`, zero-padded on the right.
    error InvalidCertificateNumber(bytes32 number);
    /// @notice A certificate with this number already exists.
    error CertificateExists(uint256 tokenId);
    /// @notice Certificates are bound to a wallet: the zero address cannot hold one.
    error InvalidHolder(address holder);
    /// @notice `holder` shares the low 96 bits of its address, the key under which holders are stored,
    /// with `existing`, which already holds certificates (about 1 in 2^96 for two random wallets).
    error HolderKeyTaken(address holder, address existing);
    /// @notice Carats must be positive.
    error InvalidCarats(uint40 carats);
    /// @notice A shipment has at least one parcel.
    error InvalidParcels(uint32 parcels);
    /// @notice `hsCode` is not 10, 21 or 31 (HS 7102.10, 7102.21, 7102.31).
    error InvalidHsCode(uint8 hsCode);
    /// @notice `expiresAt` is not after the time of issue `now`, or not before 2106.
    error InvalidExpiry(uint40 expiresAt, uint40 now);
    /// @notice A certificate commits to its document: the commitment cannot be zero.
    error MissingDocumentCommitment(uint256 tokenId);
    /// @notice No certificate has this token id.
    error UnknownCertificate(uint256 tokenId);
    /// @notice Only an `Issued` certificate, not yet expired, can be confirmed; this one is `status`.
    error CertificateNotPending(uint256 tokenId, Status status);
    /// @notice The certificate is already voided.
    error CertificateAlreadyVoided(uint256 tokenId);
    /// @notice `reason` is not a `VoidReason` other than `None`.
    error InvalidVoidReason(uint256 tokenId, uint8 reason);
    /// @notice Certificates are bound to their holder: transfers and approvals are refused.
    error CertificateLocked(uint256 tokenId);
    /// @notice Certificates are bound to their holder: operators cannot be approved.
    error ApprovalsDisabled(address operator);
    /// @notice A certificate names at most `max` parents; `count` were given.
    error TooManyParents(uint256 count, uint256 max);
    /// @notice `parentId` is named twice among the parents.
    error DuplicateParent(uint256 parentId);
    /// @notice Nothing drawn: each parent gives a positive number of carats.
    error InvalidDraw(uint256 parentId, uint40 carats);
    /// @notice A parent must be a certificate whose receipt was confirmed; `parentId` is `status`
    /// (`None` if there is no such certificate).
    error ParentNotConfirmed(uint256 parentId, Status status);
    /// @notice A parent must have been imported into the exporter `exporting`; `parentId` went to
    /// `importing`.
    error ParentNotImported(uint256 parentId, bytes2 importing, bytes2 exporting);
    /// @notice `parentId` was issued by a key that was not valid at the time: nothing can be drawn from it.
    error ParentIssuerNotValid(uint256 parentId);
    /// @notice The origins given for `parentId` are not those it was issued with.
    error ParentOriginsMismatch(uint256 parentId);
    /// @notice Drawing `carats` from `parentId` exceeds what is left of it, `remaining`.
    error ParentOverdrawn(uint256 parentId, uint40 carats, uint40 remaining);
    /// @notice `origin` is neither the exporter's own nor an origin of one of the parents.
    error OriginNotCovered(bytes32 origin);
    /// @notice The parents give `drawn` carats for a certificate of `carats`: they must give all of them,
    /// or, when the exporter declares its own production among the origins, no more than all of them.
    error CaratsNotDrawn(uint40 carats, uint40 drawn);
    /// @notice The batch is empty.
    error EmptyBatch();
    /// @notice The signature is not `authority`'s over this operation on this contract and chain.
    error InvalidSignature(address authority);
    /// @notice The signature was valid until `deadline`; it is now `now`.
    error SignatureExpired(uint256 deadline, uint256 now);
    /// @notice The registry address cannot be zero.
    error InvalidRegistry(address registry);

    // ------------------------------------------------------------------ authorities

    /// @notice Issues one certificate to `cert.holder`; the caller must be a valid authority of the
    /// exporting participant (`cert.number`'s prefix). Draws `cert.parents`' carats. Returns its token id.
    function issue(Issue calldata cert) external returns (uint256 tokenId);

    /// @notice Issues several certificates in one transaction, all or none.
    function issueBatch(Issue[] calldata certs) external returns (uint256[] memory tokenIds);

    /// @notice Issues `cert` on behalf of `authority`, who signed it off line (EIP-712, type
    /// `IssueCertificate`, see `ISSUE_TYPEHASH`) until `deadline`; anyone may submit it and pay the gas.
    /// The signature names the certificate number, so it can be used once, and the EIP-712 domain
    /// names this contract and chain. `authority` must be a valid key of the exporter now.
    function issueWithSignature(Issue calldata cert, address authority, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 tokenId);

    /// @notice Confirms receipt on behalf of `authority`, who signed it off line (EIP-712, type
    /// `ConfirmReceipt`) until `deadline`; anyone may submit it.
    function confirmReceiptWithSignature(uint256 tokenId, address authority, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Confirms receipt of an issued, unexpired certificate; the caller must be a valid authority
    /// of its importing participant. Receipt is a fact about the shipment: it is recorded even for a
    /// certificate whose issuing key was later disabled, which stays invalid (`isValid`, `tokenURI`).
    function confirmReceipt(uint256 tokenId) external;

    /// @notice Voids a certificate that is not already void, with a `VoidReason` (1 to 5); the caller
    /// must be a valid authority of its exporting participant.
    function void(uint256 tokenId, uint8 reason) external;

    // ------------------------------------------------------------------ views

    /// @notice The contract's version, so clients know which ABI they talk to.
    function version() external pure returns (string memory);

    /// @notice The registry this contract asks.
    function registry() external view returns (IKPRegistry);

    /// @notice The certificate and its state now; reverts `UnknownCertificate` when there is none.
    function certificate(uint256 tokenId) external view returns (Certificate memory);

    /// @notice Many certificates in one call, for verifiers checking many at once; an unknown token id
    /// gives an all-zero entry (status `None`).
    function certificates(uint256[] calldata tokenIds) external view returns (Certificate[] memory);

    /// @notice The status now, with `Expired` derived from time; `None` when unknown.
    function statusOf(uint256 tokenId) external view returns (Status);

    /// @notice Whether the issuing key was still valid when it issued the certificate (a key disabled
    /// retroactively makes this false).
    function issuerValidAtIssue(uint256 tokenId) external view returns (bool);

    /// @notice Whether the certificate is genuine and in force now: issued or confirmed, not expired,
    /// and issued by a key that was valid at the time.
    function isValid(uint256 tokenId) external view returns (bool);
}
