// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title CertificateArt
/// @notice The on-chain metadata of a certificate token: JSON in the shape wallets and marketplaces
/// read (name, description, image, attributes), with an SVG image of the certificate whose status
/// band is coloured by status. Every value here is ASCII the contract has validated (the number, the
/// codes, digits), so nothing needs escaping in JSON or XML.
library CertificateArt {
    using Strings for uint256;
    using Strings for string;

    /// @notice What the image and the attributes show.
    struct Card {
        string number; //     e.g. "AE-2024-000123"
        string exporting; //  e.g. "AE"
        string importing; //  e.g. "BW"
        uint256 carats; //    hundredths of a carat
        uint8 hsCode; //      10, 21 or 31
        uint256 issuedAt; //  Unix seconds
        uint256 expiresAt; // Unix seconds
        string status; //     e.g. "Receipt confirmed"
        string colour; //     the status band's colour, e.g. "#1f7a3a"
        string exporter; //   the exporting participant's name, as the registry holds it
        uint256 tokenId;
    }

    string internal constant NAME = "Kimberley Process Certificates";
    string internal constant DESCRIPTION =
        "Kimberley Process certificates for rough diamonds, each bound to the wallet of the trader holding the shipment. Issued only by an authority of a participant in good standing; verify one at its external_url.";

    /// @notice The `data:application/json;base64,...` token URI of `card`; `page` the verification
    /// page its `external_url` leads to (none if empty).
    function tokenURI(Card memory card, string memory page) internal pure returns (string memory) {
        string memory route = string.concat(card.exporting, " to ", card.importing);
        bytes memory json = abi.encodePacked(
            '{"name":"', card.number,
            '","description":"Kimberley Process Certificate ', card.number, " for rough diamonds from ", route,
            '.",', _link(page, string.concat("/certificates/", card.tokenId.toString())),
            '"image":"data:image/svg+xml;base64,', Base64.encode(svg(card)),
            '","attributes":[', _attributes(card, route), "]}"
        ); // forgefmt: disable-line
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @notice ERC-7572: the collection's `data:application/json;base64,...` metadata.
    function contractURI(string memory page) internal pure returns (string memory) {
        bytes memory json = abi.encodePacked(
            '{"name":"', NAME, '","symbol":"KPC","description":"', DESCRIPTION, '",',
            bytes(page).length == 0 ? bytes("") : abi.encodePacked('"external_link":"', page.escapeJSON(), '",'),
            '"image":"data:image/svg+xml;base64,', Base64.encode(_emblem()), '"}'
        ); // forgefmt: disable-line
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @dev `"external_url":"<page><path>",`, or nothing without a page.
    function _link(string memory page, string memory path) private pure returns (bytes memory) {
        if (bytes(page).length == 0) return "";
        return abi.encodePacked('"external_url":"', page.escapeJSON(), path, '",');
    }

    /// @dev The collection's image: the card's frame and title.
    function _emblem() private pure returns (bytes memory) {
        return abi.encodePacked(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 260" font-family="Helvetica,Arial,sans-serif">',
            '<rect x="2" y="2" width="396" height="256" rx="12" fill="#fbfaf6" stroke="#1f3a5f" stroke-width="4"/>',
            '<text x="200" y="140" text-anchor="middle" font-size="22" fill="#1f3a5f">KIMBERLEY PROCESS</text></svg>'
        ); // forgefmt: disable-line
    }

    /// @notice The SVG image of `card`.
    function svg(Card memory card) internal pure returns (bytes memory) {
        return abi.encodePacked(_frame(card), _figures(card), _band(card));
    }

    function _frame(Card memory card) private pure returns (bytes memory) {
        return abi.encodePacked(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 260" font-family="Helvetica,Arial,sans-serif">',
            '<rect x="2" y="2" width="396" height="256" rx="12" fill="#fbfaf6" stroke="#1f3a5f" stroke-width="4"/>',
            '<text x="20" y="36" font-size="13" letter-spacing="1" fill="#1f3a5f">KIMBERLEY PROCESS CERTIFICATE</text>',
            '<text x="20" y="72" font-size="24" font-weight="bold" fill="#111">', card.number, "</text>",
            '<text x="20" y="104" font-size="16" fill="#333">', card.exporting, " to ", card.importing, "</text>"
        ); // forgefmt: disable-line
    }

    function _band(Card memory card) private pure returns (bytes memory) {
        return abi.encodePacked(
            '<rect x="20" y="192" width="360" height="46" rx="8" fill="', card.colour, '"/>',
            '<text x="200" y="222" text-anchor="middle" font-size="18" font-weight="bold" fill="#fff">',
            card.status, "</text></svg>"
        ); // forgefmt: disable-line
    }

    function _figures(Card memory card) private pure returns (bytes memory) {
        return abi.encodePacked(
            '<text x="20" y="134" font-size="15" fill="#333">', _twoDecimals(card.carats), " ct, HS 7102.",
            uint256(card.hsCode).toString(), "</text>",
            '<text x="20" y="164" font-size="15" fill="#333">Issued ', date(card.issuedAt), ", expires ",
            date(card.expiresAt), "</text>"
        ); // forgefmt: disable-line
    }

    function _attributes(Card memory card, string memory route) private pure returns (bytes memory) {
        return abi.encodePacked(
            '{"trait_type":"Route","value":"', route,
            '"},{"trait_type":"Carats","value":"', _twoDecimals(card.carats),
            '"},{"trait_type":"HS code","value":"7102.', uint256(card.hsCode).toString(),
            '"},{"trait_type":"Status","value":"', card.status,
            '"},{"trait_type":"Issued by","value":"', card.exporting, " ", card.exporter.escapeJSON(),
            '"},{"display_type":"date","trait_type":"Issued","value":', card.issuedAt.toString(),
            '},{"display_type":"date","trait_type":"Expires","value":', card.expiresAt.toString(), "}"
        ); // forgefmt: disable-line
    }

    /// @notice `YYYY-MM-DD` (UTC) of a Unix time: the days-to-civil algorithm of H. Hinnant.
    function date(uint256 timestamp) internal pure returns (string memory) {
        uint256 z = timestamp / 86_400 + 719_468;
        uint256 era = z / 146_097;
        uint256 doe = z - era * 146_097;
        uint256 yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        uint256 mp = (5 * doy + 2) / 153;
        uint256 day = doy - (153 * mp + 2) / 5 + 1;
        uint256 month = mp < 10 ? mp + 3 : mp - 9;
        uint256 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        return string.concat(year.toString(), "-", _two(month), "-", _two(day));
    }

    function _two(uint256 value) private pure returns (string memory) {
        return value < 10 ? string.concat("0", value.toString()) : value.toString();
    }

    function _twoDecimals(uint256 hundredths) private pure returns (string memory) {
        return string.concat((hundredths / 100).toString(), ".", _two(hundredths % 100));
    }
}
