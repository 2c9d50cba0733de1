// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CertificateArt} from "./libraries/CertificateArt.sol";

/// @title KPCertificateArt
/// @notice Draws a certificate's token metadata for KPCertificates, which deploys it once in its
/// constructor: the JSON and SVG code lives here so the certificate contract stays within the 24 kB
/// contract size limit. Pure: it holds nothing and decides nothing.
contract KPCertificateArt {
    /// @notice The `data:application/json;base64,...` token URI of `card`.
    function tokenURI(CertificateArt.Card calldata card) external pure returns (string memory) {
        return CertificateArt.tokenURI(card);
    }
}
