// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Baseline for the benchmark only: a hash-only document store in the manner of
/// OpenAttestation's DocumentStore (issue and revoke a document hash, with events).
contract BaselineDocumentStore {
    event DocumentIssued(bytes32 indexed document);
    event DocumentRevoked(bytes32 indexed document);

    error AlreadyIssued(bytes32 document);
    error NotIssued(bytes32 document);

    address private immutable _issuer = msg.sender;
    mapping(bytes32 document => uint256 blockNumber) public issued;
    mapping(bytes32 document => uint256 blockNumber) public revoked;

    function issue(bytes32 document) external {
        require(msg.sender == _issuer);
        if (issued[document] != 0) revert AlreadyIssued(document);
        issued[document] = block.number;
        emit DocumentIssued(document);
    }

    function revoke(bytes32 document) external {
        require(msg.sender == _issuer);
        if (issued[document] == 0) revert NotIssued(document);
        revoked[document] = block.number;
        emit DocumentRevoked(document);
    }
}
