// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Baseline for the benchmark only: a plain OpenZeppelin ERC-721 mint of a locked token with a
/// bytes32 hash stored beside it. No registry check, no certificate data.
contract BaselineLockedToken is ERC721 {
    event Locked(uint256 tokenId);

    mapping(uint256 tokenId => bytes32) public documentHash;

    constructor() ERC721("Baseline", "BASE") {}

    function mint(address to, uint256 tokenId, bytes32 hash) external {
        documentHash[tokenId] = hash;
        _mint(to, tokenId);
        emit Locked(tokenId);
    }
}
