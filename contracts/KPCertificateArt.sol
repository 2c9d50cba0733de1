// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CertificateArt} from "./libraries/CertificateArt.sol";

/// @title KPCertificateArt
/// @notice Draws a certificate's token metadata and the collection's for KPCertificates, which deploys
/// it once in its constructor: the JSON and SVG code lives here so the certificate contract stays
/// within the 24 kB contract size limit. It keeps one thing, the verification page the tokens link
/// to, which only its KPCertificates may change; it decides nothing.
contract KPCertificateArt {
    address private immutable _certificates;
    string private _page;

    /// @notice Only the KPCertificates that deployed this contract may change its page.
    error OnlyCertificates(address caller);

    constructor(string memory page_) {
        _certificates = msg.sender;
        _page = page_;
    }

    /// @notice The verification page tokens link to (`external_url`); empty: none.
    function page() external view returns (string memory) {
        return _page;
    }

    /// @notice Change the verification page (KPCertificates, for its secretariat).
    function setPage(string calldata page_) external {
        if (msg.sender != _certificates) revert OnlyCertificates(msg.sender);
        _page = page_;
    }

    /// @notice The `data:application/json;base64,...` token URI of `card`.
    function tokenURI(CertificateArt.Card calldata card) external view returns (string memory) {
        return CertificateArt.tokenURI(card, _page);
    }

    /// @notice ERC-7572: the collection's `data:application/json;base64,...` metadata.
    function contractURI() external view returns (string memory) {
        return CertificateArt.contractURI(_page);
    }
}
