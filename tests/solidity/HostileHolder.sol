// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

interface ICertificates {
    function confirmReceipt(uint256 tokenId) external;
    function transferFrom(address from, address to, uint256 tokenId) external;
    function approve(address to, uint256 tokenId) external;
    function setApprovalForAll(address operator, bool approved) external;
}

/// @notice Test only: a contract wallet that tries everything a hostile holder could. If a mint ever
/// called `onERC721Received`, it would re-enter the certificate contract (or refuse the token).
contract HostileHolder is IERC721Receiver {
    ICertificates public immutable certificates;
    bool public refuse;
    uint256 public callbacks;

    constructor(ICertificates certificates_, bool refuse_) {
        certificates = certificates_;
        refuse = refuse_;
    }

    function onERC721Received(address, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        callbacks += 1;
        if (refuse) revert("refused");
        certificates.confirmReceipt(tokenId); // re-entry attempt
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice Try to move a certificate it holds to `to`, as its owner.
    function moveTo(address to, uint256 tokenId) external {
        certificates.transferFrom(address(this), to, tokenId);
    }

    function approveTo(address to, uint256 tokenId) external {
        certificates.approve(to, tokenId);
    }

    function approveAll(address operator) external {
        certificates.setApprovalForAll(operator, true);
    }
}
