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
/// Provenance: every carat on a certificate is drawn from a parent, and every parent is one of
///   - a confirmed digital import: a certificate whose receipt the exporter confirmed;
///   - a *root*: **mined production** registered by an authority of the producing participant
///     (`registerProduction`), or **a paper KP certificate** registered on receipt by an authority of
///     the importing participant (`registerPaperCertificate`), during the transition from paper.
/// A parent must be held by the new certificate's exporter (imported into it, or registered by it),
/// issued or registered by a key valid at the time, and no more carats can be drawn from it, over all
/// its children, than it carries (`Certificate.drawn` keeps the count). The carats drawn make up the
/// certificate's carats exactly. **Origins follow the carats**: the certificate's origins are exactly
/// the union of its parents' origins (a zone as the parent lists it), so every origin of every root
/// the rough came from is carried to the end, and checked against embargoes (compliant zones
/// included) at every re-export. A partial draw from a mixed parent carries all its origins.
/// Voiding a parent later does not undo what its children drew: clients follow the `CaratsDrawn`
/// events and warn about the voided ancestor.
///
/// A root is kept as a record beside the certificates, not as a token: its id is its participant's
/// code, a kind byte (`#` production, `:` paper) and its lot or number, as ASCII in 32 bytes
/// (`"BW#JWANENG-2024-Q3"`, `"AE:ZA-2024-012345"`), so anyone can compute it, and it can never be a
/// certificate number (which has `-` in third place). `certificate` and `certificates` answer for
/// roots too (holder zero, status `Confirmed` or `Voided`), and so do `statusOf`, `issuerValidAtIssue`
/// and `isValid` (true while the root is registered, not voided, by a valid key); the ERC-721 views
/// do not. A root can be
/// voided by its participant's authority (a registration made in error, a forged paper): nothing more
/// can be drawn from it, and clients warn about what already was.
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
        Draw[] parents; //       where its rough comes from: imports and roots, 1 to 32
    }

    /// @notice Mined production a producing participant registers, for its first exports to draw on.
    struct Production {
        bytes32 lot; //          the mine or lot and period, e.g. "JWANENG-2024-Q3": 1 to 29 of A-Z 0-9 - . /
        bytes32 origin; //       the producer's code or one of its zones, "BW" or "BW/Jwaneng"
        uint40 carats; //        hundredths of a carat
        uint40 periodStart; //   Unix seconds: when the production period began
        uint40 periodEnd; //     Unix seconds: when it ended, after `periodStart` and not in the future
    }

    /// @notice A paper KP certificate the importing participant registers on receipt, for its
    /// re-exports to draw on.
    struct PaperCertificate {
        bytes32 number; //       the paper's number, e.g. "ZA-2024-012345" (29 characters at most);
        //                       its prefix is the exporting participant
        bytes2 importing; //     the participant it was received by: the registrant
        bytes32[] origins; //    countries of origin as the paper lists them, 1 to 8
        uint40 carats; //        hundredths of a carat
        uint40 valueUsd; //      US cents
        uint32 parcels; //       number of parcels
        uint8 hsCode; //         10, 21 or 31
        uint40 issuedAt; //      Unix seconds: date of issue on the paper (not in the future)
        uint40 expiresAt; //     Unix seconds: date of expiry on the paper (not yet passed: registered on receipt)
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
    /// @notice Certificate `tokenId` draws `carats` from certificate (or root) `parentId`, issued (or
    /// registered) at `parentIssuedAt` (Unix seconds, its block's time: its `Certificate.issuedAt`);
    /// emitted at its issue, before `CertificateIssued`, once per parent. The time lets a client
    /// reading a provenance find the parent's own events without asking for its view first.
    event CaratsDrawn(uint256 indexed tokenId, uint256 indexed parentId, uint40 carats, uint40 parentIssuedAt);
    /// @notice `producer`'s `authority` registered mined production `rootId`.
    event ProductionRegistered(
        uint256 indexed rootId, bytes2 indexed producer, address indexed authority, Production production
    );
    /// @notice `importing`'s `authority` registered paper certificate `rootId`, received from `exporting`.
    event PaperCertificateRegistered(
        uint256 indexed rootId, bytes2 indexed importing, bytes2 indexed exporting, address authority,
        PaperCertificate paper
    );
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
    /// @notice A certificate names at most `max` parents; `count` were given.
    error TooManyParents(uint256 count, uint256 max);
    /// @notice `parentId` is named twice among the parents.
    error DuplicateParent(uint256 parentId);
    /// @notice Nothing drawn: each parent gives a positive number of carats.
    error InvalidDraw(uint256 parentId, uint40 carats);
    /// @notice A parent must be a certificate whose receipt was confirmed; `parentId` is `status`
    /// (`None` if there is no such certificate).
    error ParentNotConfirmed(uint256 parentId, Status status);
    /// @notice A parent's rough must be held by the exporter `exporting` (a certificate imported into it,
    /// production or a paper certificate it registered); `parentId`'s is held by `heldBy`.
    error ParentNotHeld(uint256 parentId, bytes2 heldBy, bytes2 exporting);
    /// @notice `parentId` was issued by a key that was not valid at the time: nothing can be drawn from it.
    error ParentIssuerNotValid(uint256 parentId);
    /// @notice The origins given for `parentId` are not those it was issued with.
    error ParentOriginsMismatch(uint256 parentId);
    /// @notice Drawing `carats` from `parentId` exceeds what is left of it, `remaining`.
    error ParentOverdrawn(uint256 parentId, uint40 carats, uint40 remaining);
    /// @notice `origin` is not an origin of any of the parents: origins come from where the rough does.
    error OriginNotCovered(bytes32 origin);
    /// @notice `parentId` carries `origin`, which the certificate leaves out: origins follow the carats.
    error OriginNotCarried(uint256 parentId, bytes32 origin);
    /// @notice The parents give `drawn` carats for a certificate of `carats`: every carat is drawn from a
    /// confirmed import, registered production or a registered paper certificate, none twice.
    error CaratsNotDrawn(uint40 carats, uint256 drawn);
    /// @notice Production lot `lot` is not 1 to 29 of `A-Z 0-9 - . /`.
    error InvalidLot(bytes32 lot);
    /// @notice A production period starts before it ends, and has ended: production is registered once mined.
    error InvalidPeriod(uint40 start, uint40 end);
    /// @notice A paper certificate is registered on receipt: issued (not in the future) and not yet expired.
    error InvalidPaperDates(uint40 issuedAt, uint40 expiresAt);
    /// @notice Root `rootId` is already registered: production once per lot, a paper number
    /// once per importer.
    error AlreadyRegistered(uint256 rootId);
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

    /// @notice Registers mined production for first exports to draw on; the caller must be a valid
    /// authority of the producer (the origin's code), which must be admitted. Returns its root id,
    /// `producer # lot`.
    function registerProduction(Production calldata production) external returns (uint256 rootId);

    /// @notice Registers a paper KP certificate received by `paper.importing`, for its re-exports to draw
    /// on; the caller must be a valid authority of the importer. The paper must pass the checks a digital
    /// certificate on the same route would pass now (standings, embargoes, origins), and be unexpired. A
    /// paper number is registered once per importer, and not if a digital certificate has that number
    /// (`CertificateExists`): one shipment enters once. Returns its root id, `importing : number`.
    function registerPaperCertificate(PaperCertificate calldata paper) external returns (uint256 rootId);

    /// @notice Confirms receipt on behalf of `authority`, who signed it off line (EIP-712, type
    /// `ConfirmReceipt`) until `deadline`; anyone may submit it.
    function confirmReceiptWithSignature(uint256 tokenId, address authority, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Confirms receipt of an issued, unexpired certificate; the caller must be a valid authority
    /// of its importing participant. Receipt is a fact about the shipment: it is recorded even for a
    /// certificate whose issuing key was later disabled, which stays invalid (`isValid`, `tokenURI`).
    function confirmReceipt(uint256 tokenId) external;

    /// @notice Voids a certificate (or a root) that is not already void, with a `VoidReason` (1 to 5); the
    /// caller must be a valid authority of its exporting participant (of a root: its registrant).
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
