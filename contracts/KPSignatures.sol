// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IKPCertificates} from "./interfaces/IKPCertificates.sol";

/// @title KPSignatures
/// @notice The EIP-712 side of KPCertificates: the domain, the types an authority signs off line (an
/// issue, a confirmation of receipt) and the check of such a signature (ERC-1271 contract wallets
/// included). KPCertificates inherits it, as EAS inherits `EIP1271Verifier`, and decides what a valid
/// signature lets the signer do.
/// @dev No nonces: an issue's signature names its certificate number, which is issued once, and a
/// confirmation's its token id, which is confirmed once; the domain names the chain and the contract.
/// Storage: only EIP712's two fallback strings (slots 0 and 1, before KPCertificates' own), never
/// written, as the name and version are under 32 bytes.
/// The helpers are called from KPCertificates' entry points directly, not through a wrapper per
/// operation: one more internal call costs 25 to 50 gas a signed transaction. So the struct hash
/// of a `ConfirmReceipt`, a single `abi.encode`, is built at its call, with `CONFIRM_TYPEHASH`.
abstract contract KPSignatures is EIP712 {
    /// @notice EIP-712 type of an off-line issue: the `Issue` fields and a deadline.
    bytes32 public constant ISSUE_TYPEHASH = keccak256(
        "IssueCertificate(bytes32 number,address holder,bytes2 importing,bytes32[] origins,uint40 carats,"
        "uint40 valueUsd,uint32 parcels,uint8 hsCode,uint40 expiresAt,bytes32 document,Draw[] parents,"
        "uint256 deadline)Draw(uint256 tokenId,uint40 carats,bytes32[] origins)"
    );

    /// @notice EIP-712 type of one parent of an off-line issue.
    bytes32 public constant DRAW_TYPEHASH = keccak256("Draw(uint256 tokenId,uint40 carats,bytes32[] origins)");

    /// @notice EIP-712 type of an off-line confirmation of receipt.
    bytes32 public constant CONFIRM_TYPEHASH = keccak256("ConfirmReceipt(uint256 tokenId,uint256 deadline)");

    constructor() EIP712("Kimberley Process Certificates", "1") {}

    /// @dev The EIP-712 struct hash of an `IssueCertificate`: its type hash and the fields as 32-byte
    /// words, the origins as the hash of their concatenation (encoded in two halves for the stack).
    function _hashIssue(IKPCertificates.Issue calldata cert, uint256 deadline) internal pure returns (bytes32) {
        bytes memory head = abi.encode(
            ISSUE_TYPEHASH, cert.number, cert.holder, cert.importing, keccak256(abi.encodePacked(cert.origins))
        );
        bytes memory tail = abi.encode(
            cert.carats, cert.valueUsd, cert.parcels, cert.hsCode, cert.expiresAt, cert.document, _hashDraws(cert.parents)
        );
        return keccak256(bytes.concat(head, tail, abi.encode(deadline)));
    }

    /// @dev The EIP-712 hash of a `Draw[]`: the hash of its members' struct hashes, concatenated.
    function _hashDraws(IKPCertificates.Draw[] calldata parents) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](parents.length);
        for (uint256 i; i < parents.length; ++i) {
            IKPCertificates.Draw calldata d = parents[i];
            hashes[i] = keccak256(abi.encode(DRAW_TYPEHASH, d.tokenId, d.carats, keccak256(abi.encodePacked(d.origins))));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// @dev `authority` signed `structHash` (EIP-712, this contract's domain), and `deadline` has not
    /// passed. Contract wallets (ERC-1271, such as a multisig) can sign too.
    function _requireSignature(address authority, bytes32 structHash, uint256 deadline, bytes calldata signature)
        internal
        view
    {
        if (block.timestamp > deadline) revert IKPCertificates.SignatureExpired(deadline, block.timestamp);
        if (!SignatureChecker.isValidSignatureNow(authority, _hashTypedDataV4(structHash), signature)) {
            revert IKPCertificates.InvalidSignature(authority);
        }
    }
}
