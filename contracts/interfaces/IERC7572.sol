// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-7572: contract-level metadata
/// @notice The collection's name, description and links, as wallets and marketplaces read them.
interface IERC7572 {
    /// @notice The collection's metadata, a JSON document (here a `data:` URI).
    function contractURI() external view returns (string memory);

    /// @notice The collection's metadata changed.
    event ContractURIUpdated();
}
