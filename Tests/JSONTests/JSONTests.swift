import XCTest

@testable import JSON

final class JSONTests: XCTestCase {
    // MARK: Helpers

    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            XCTFail("unexpected \(error) for \(text)", file: file, line: line)
            return nil
        }
    }

    private func rejection(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func assertRejects(
        _ text: String, _ reason: JSONParseError.Reason, at offset: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertRejects(Array(text.utf8), reason, at: offset, file: file, line: line)
    }

    private func assertRejects(
        _ bytes: [UInt8], _ reason: JSONParseError.Reason, at offset: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let error = rejection(bytes) else {
            XCTFail("accepted \(String(decoding: bytes, as: UTF8.self))", file: file, line: line)
            return
        }
        XCTAssertEqual(error.reason, reason, "\(error)", file: file, line: line)
        XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line)
    }

    private func assertRoundTrips(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let value = parse(text, file: file, line: line) else { return }
        let bytes = value.serialized()
        XCTAssertEqual(try JSONParser.parse(bytes), value, file: file, line: line)
        // Compact input re-serialises byte for byte.
        XCTAssertEqual(try JSONParser.parse(value.jsonString), value, file: file, line: line)
    }

    // MARK: Parsing

    func testParsesScalars() {
        XCTAssertEqual(parse("null"), .null)
        XCTAssertEqual(parse("true"), .bool(true))
        XCTAssertEqual(parse("false"), .bool(false))
        XCTAssertEqual(parse("0"), .int(0))
        XCTAssertEqual(parse("-0"), .int(0))
        XCTAssertEqual(parse("42"), .int(42))
        XCTAssertEqual(parse("-17"), .int(-17))
        XCTAssertEqual(parse("1.0"), .double(1.0))
        XCTAssertEqual(parse("1e2"), .double(100))
        XCTAssertEqual(parse("1E+2"), .double(100))
        XCTAssertEqual(parse("-2.5e-3"), .double(-0.0025))
        XCTAssertEqual(parse("0.1"), .double(0.1))
        XCTAssertEqual(parse("\"hi\""), .string("hi"))
        XCTAssertEqual(parse(" \t\r\n[ ] \n"), .array([]))
        XCTAssertEqual(parse("{}"), .object(JSONObject()))
    }

    func testANumberThatCannotBeStoredNamesItsTopLevelMember() {
        func member(_ text: String) -> String?? {
            do {
                _ = try JSONParser.parse(Array(text.utf8), exactNumbers: true)
                return .none
            } catch {
                return .some(error.member)
            }
        }
        XCTAssertEqual(member(#"{"a":1,"amount":1e400}"#), .some("amount"))
        XCTAssertEqual(member(#"{"a":1,"attributes":{"n":[0.12345678901234567890123]}}"#), .some("attributes"))
        XCTAssertEqual(member("[1e400]"), .some(nil), "no object, no member")
        XCTAssertEqual(member(#"{"a":1e2}"#), .none)
    }

    func testInt64Boundaries() {
        XCTAssertEqual(parse("9223372036854775807"), .int(Int64.max))
        XCTAssertEqual(parse("-9223372036854775808"), .int(Int64.min))
        XCTAssertEqual(parse("9223372036854775808"), .double(9_223_372_036_854_775_808))
        XCTAssertEqual(parse("-9223372036854775809"), .double(-9_223_372_036_854_775_808.0))
        XCTAssertEqual(parse("18446744073709551616"), .double(18_446_744_073_709_551_616))
        XCTAssertEqual(parse("123456789012345678901234567890"), .double(1.2345678901234568e29))
    }

    func testEscapes() {
        XCTAssertEqual(parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{8}\u{C}\n\r\t"))
        XCTAssertEqual(parse(#""\u0041\u00e9\u4E2D""#), .string("Aé中"))
        XCTAssertEqual(parse(#""a\u0000b""#), .string("a\u{0}b"))
        // U+1F600 as a surrogate pair.
        XCTAssertEqual(parse(#""\uD83D\uDE00""#), .string("😀"))
        XCTAssertEqual(parse(#""x\ud83d\ude00y""#), .string("x😀y"))
    }

    func testNestedDocument() {
        let value = parse(#"{"a":[1,2,{"b":null}],"c":{"d":"e"},"f":-1.5}"#)
        XCTAssertEqual(
            value,
            ["a": [1, 2, ["b": nil]], "c": ["d": "e"], "f": -1.5]
        )
        XCTAssertEqual(value?.objectValue?["a"]?.arrayValue?.count, 3)
        XCTAssertEqual(value?.objectValue?["c"]?.objectValue?["d"]?.stringValue, "e")
    }

    func testKeyOrderPreserved() {
        let value = parse(#"{"zeta":1,"alpha":2,"mid":3,"beta":4}"#)
        XCTAssertEqual(value?.objectValue?.keys, ["zeta", "alpha", "mid", "beta"])
        XCTAssertEqual(value?.jsonString, #"{"zeta":1,"alpha":2,"mid":3,"beta":4}"#)
    }

    func testDepthLimit() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNotNil(parse(ok))
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        assertRejects(tooDeep, .tooDeep, at: 64)
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        assertRejects(objects, .tooDeep, at: 64 * 5)
    }

    // MARK: Rejections

    func testRejectsTrailingComma() {
        assertRejects("[1,2,]", .unexpectedCharacter(UInt8(ascii: "]")), at: 5)
        assertRejects(#"{"a":1,}"#, .unexpectedCharacter(UInt8(ascii: "}")), at: 7)
    }

    func testRejectsBadNumbers() {
        assertRejects("012", .leadingZero, at: 0)
        assertRejects("-01", .leadingZero, at: 0)
        assertRejects("NaN", .unexpectedCharacter(UInt8(ascii: "N")), at: 0)
        assertRejects("Infinity", .unexpectedCharacter(UInt8(ascii: "I")), at: 0)
        assertRejects("-Infinity", .unexpectedCharacter(UInt8(ascii: "I")), at: 1)
        assertRejects("+1", .unexpectedCharacter(UInt8(ascii: "+")), at: 0)
        assertRejects(".5", .unexpectedCharacter(UInt8(ascii: ".")), at: 0)
        assertRejects("1.", .unexpectedEnd, at: 2)
        assertRejects("1.e3", .unexpectedCharacter(UInt8(ascii: "e")), at: 2)
        assertRejects("1e", .unexpectedEnd, at: 2)
        assertRejects("-", .unexpectedEnd, at: 1)
        assertRejects("0x10", .trailingData, at: 1)
        assertRejects("1e400", .numberOutOfRange, at: 0)
        XCTAssertEqual(parse("1e-400"), .double(0))
    }

    func testRejectsLoneSurrogates() {
        assertRejects(#""\uD83D""#, .loneSurrogate, at: 1)
        assertRejects(#""\uD83Dx""#, .loneSurrogate, at: 1)
        assertRejects(#""\uDE00""#, .loneSurrogate, at: 1)
        assertRejects(#""\uD83D\u0041""#, .loneSurrogate, at: 1)
        assertRejects(#""\uD83D\uD83D""#, .loneSurrogate, at: 1)
    }

    func testRejectsBadEscapes() {
        assertRejects(#""\x""#, .invalidEscape, at: 1)
        assertRejects(#""\u12G4""#, .invalidEscape, at: 1)
        assertRejects(#""\'""#, .invalidEscape, at: 1)
        assertRejects(#""\u12"#, .unexpectedEnd, at: 5)
    }

    func testRejectsControlCharactersInStrings() {
        assertRejects("\"a\nb\"", .controlCharacterInString, at: 2)
        assertRejects("\"a\tb\"", .controlCharacterInString, at: 2)
        assertRejects([0x22, 0x00, 0x22], .controlCharacterInString, at: 1)
        assertRejects("\"ok\\n\u{1F}\"", .controlCharacterInString, at: 5)
    }

    func testRejectsInvalidUTF8() {
        let quote: UInt8 = 0x22
        assertRejects([quote, 0xFF, quote], .invalidUTF8, at: 1)
        assertRejects([quote, 0xC0, 0xAF, quote], .invalidUTF8, at: 1)  // overlong "/"
        assertRejects([quote, 0xE0, 0x80, 0xAF, quote], .invalidUTF8, at: 1)  // overlong
        assertRejects([quote, 0xED, 0xA0, 0x80, quote], .invalidUTF8, at: 1)  // encoded surrogate
        assertRejects([quote, 0xF4, 0x90, 0x80, 0x80, quote], .invalidUTF8, at: 1)  // > U+10FFFF
        assertRejects([quote, 0x61, 0xE4, 0xB8, quote], .invalidUTF8, at: 2)  // truncated 中
        assertRejects([quote, 0x80, quote], .invalidUTF8, at: 1)  // stray continuation
        assertRejects([quote, 0x5C, 0x6E, 0xFE, quote], .invalidUTF8, at: 3)  // after an escape
        assertRejects([0xEF, 0xBB, 0xBF, 0x31], .unexpectedCharacter(0xEF), at: 0)  // BOM
        XCTAssertEqual(try JSONParser.parse([quote, 0xF0, 0x9F, 0x98, 0x80, quote]), .string("😀"))
    }

    func testRejectsDuplicateKeys() {
        assertRejects(#"{"a":1,"b":2,"a":3}"#, .duplicateKey("a"), at: 13)
        // Also past the size at which the object switches to an index.
        let members = (0..<20).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        assertRejects("{\(members),\"k7\":0}", .duplicateKey("k7"), at: members.utf8.count + 2)
        // Keys equal after unescaping are duplicates.
        assertRejects(#"{"a":1,"\u0061":2}"#, .duplicateKey("a"), at: 7)
    }

    func testRejectsUnterminatedAndTruncated() {
        assertRejects(#""abc"#, .unexpectedEnd, at: 4)
        assertRejects(#"{"a":"#, .unexpectedEnd, at: 5)
        assertRejects("[1,2", .unexpectedEnd, at: 4)
        assertRejects("", .unexpectedEnd, at: 0)
        assertRejects("   ", .unexpectedEnd, at: 3)
        assertRejects("tru", .unexpectedEnd, at: 3)
        assertRejects("nul1", .unexpectedCharacter(UInt8(ascii: "1")), at: 3)
        // Every proper prefix of a valid document is rejected, none crashes.
        let document = Array(#"{"名前":"李雷 😀","n":[1,-2.5e3,true,false,null],"o":{"k":"\u00e9\n"}}"#.utf8)
        XCTAssertNoThrow(try JSONParser.parse(document))
        for cut in 0..<document.count {
            XCTAssertNotNil(rejection(Array(document[..<cut])), "prefix of \(cut) bytes accepted")
        }
    }

    func testRejectsTrailingGarbage() {
        assertRejects("{} x", .trailingData, at: 3)
        assertRejects("[1] [2]", .trailingData, at: 4)
        assertRejects("truex", .trailingData, at: 4)
        assertRejects("1 2", .trailingData, at: 2)
    }

    func testRejectsMissingSeparators() {
        assertRejects(#"{"a" 1}"#, .unexpectedCharacter(UInt8(ascii: "1")), at: 5)
        assertRejects(#"{"a":1 "b":2}"#, .unexpectedCharacter(UInt8(ascii: "\"")), at: 7)
        assertRejects("{a:1}", .unexpectedCharacter(UInt8(ascii: "a")), at: 1)
        assertRejects("[1 2]", .unexpectedCharacter(UInt8(ascii: "2")), at: 3)
        assertRejects("['a']", .unexpectedCharacter(UInt8(ascii: "'")), at: 1)
    }

    func testErrorDescription() {
        let error = rejection(Array(#"{"name": "Ada", x}"#.utf8))
        XCTAssertEqual(error?.description, "unexpected character 'x' at byte 16")
        XCTAssertEqual(rejection([0x22, 0xFF])?.description, "invalid UTF-8 at byte 1")
        XCTAssertEqual(rejection([0x01])?.description, "unexpected byte 0x01 at byte 0")
    }

    func testParseEntryPointsAgree() throws {
        let text = #"{"city":"上海","n":3}"#
        let fromString = try JSONParser.parse(text)
        let fromBytes = try JSONParser.parse(Array(text.utf8))
        let fromRaw = try Array(text.utf8).withUnsafeBytes { raw in try JSONParser.parse(raw) }
        XCTAssertEqual(fromString, fromBytes)
        XCTAssertEqual(fromString, fromRaw)
        XCTAssertThrowsError(try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0)))
    }

    // MARK: Round trips

    func testRoundTrips() {
        assertRoundTrips(#"{"name":"李雷","city":"北京市朝阳区","note":"客户很满意👍🏽"}"#)
        assertRoundTrips(#"["😀","\uD83D\uDE80 launch","👨‍👩‍👧‍👦"]"#)
        assertRoundTrips(#"{"a":[1,2.5,-0.001,1e300,true,false,null,"x\n\"y\"\\z"],"b":{}}"#)
        assertRoundTrips(#"[9223372036854775807,-9223372036854775808,9223372036854775808]"#)
        assertRoundTrips(#"[0.1,0.2,0.30000000000000004,5e-324,1.7976931348623157e308,12.0]"#)
        assertRoundTrips(#""\u0000\u001f\u007f/""#)
    }

    func testCompactDocumentReserialisesIdentically() {
        let text = #"{"id":42,"name":"王芳","tags":["vip","深圳"],"score":98.5,"ok":true,"x":null}"#
        XCTAssertEqual(parse(text)?.jsonString, text)
    }

    func testEscapedInputSerialisesAsUTF8() {
        XCTAssertEqual(parse(#""\u4e2d\u6587 \/ \ud83d\ude00""#)?.jsonString, #""中文 / 😀""#)
    }

    // MARK: Writer

    func testWriterEscaping() {
        var writer = JSONWriter()
        writer.string("quote\" backslash\\ slash/ nl\n cr\r tab\t bs\u{8} ff\u{C} nul\u{0} us\u{1F} del\u{7F} 中😀")
        XCTAssertEqual(
            String(decoding: writer.bytes, as: UTF8.self),
            #""quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f nul\u0000 us\u001f del"# + "\u{7F} 中😀\""
        )
    }

    /// The clean-prefix scan reads eight bytes at a time: every byte value, at every offset of
    /// a word and in the tail, is escaped exactly as a bytewise reference does.
    func testWriterEscapesEveryByteAtEveryOffset() {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [UInt8(ascii: "\"")]
            let short: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x0A: 0x6E, 0x0D: 0x72, 0x09: 0x74, 0x08: 0x62, 0x0C: 0x66]
            for byte in bytes {
                if let letter = short[byte] {
                    out += [UInt8(ascii: "\\"), letter]
                } else if byte < 0x20 {
                    let hex = Array("0123456789abcdef".utf8)
                    out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                } else {
                    out.append(byte)
                }
            }
            return out + [UInt8(ascii: "\"")]
        }
        for length in [1, 7, 8, 9, 16, 17, 23] {
            for offset in 0..<length {
                for special in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[offset] = UInt8(special)
                    var writer = JSONWriter()
                    bytes.withUnsafeBufferPointer { writer.string(utf8: $0) }
                    XCTAssertEqual(writer.bytes, reference(bytes), "byte \(special) at \(offset) of \(length)")
                }
            }
        }
    }

    func testWriterLiteralKeys() {
        var writer = JSONWriter()
        let dynamic = "dyn\"amic"
        writer.beginObject()
        writer.key("literal")
        writer.int(1)
        writer.key(dynamic)
        writer.int(2)
        writer.endObject()
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), #"{"literal":1,"dyn\"amic":2}"#)
    }

    func testWriterManagesCommas() {
        var writer = JSONWriter(capacity: 16)
        writer.beginObject()
        writer.key("a")
        writer.int(1)
        writer.key("list")
        writer.beginArray()
        writer.beginArray()
        writer.endArray()
        writer.beginObject()
        writer.endObject()
        writer.null()
        writer.bool(true)
        writer.rawJSON(Array(#"{"pre":"made"}"#.utf8))
        writer.double(0.5)
        writer.endArray()
        writer.key("empty")
        writer.string("")
        writer.key("nested")
        writer.value(["x": [1, 2], "y": "z"])
        writer.endObject()
        XCTAssertEqual(
            String(decoding: writer.bytes, as: UTF8.self),
            #"{"a":1,"list":[[],{},null,true,{"pre":"made"},0.5],"empty":"","nested":{"x":[1,2],"y":"z"}}"#
        )
    }

    /// Commas are tracked per container in a word of bits for the first 64 levels and in a list
    /// past them: a document nested 150 deep, two elements at every level, is written exactly.
    func testWriterNestsPastItsInlineDepth() {
        var writer = JSONWriter(capacity: 16)
        var expected = ""
        for _ in 0..<150 {
            writer.beginArray()
            writer.int(1)
            expected += "[1,"
        }
        for level in 0..<150 {
            writer.beginObject()
            writer.key("k")
            writer.int(Int64(level))
            writer.endObject()
            writer.endArray()
            expected += (level == 0 ? "" : ",") + #"{"k":\#(level)}]"#
        }
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), expected)
    }

    func testWriterIntegersAtEveryLength() {
        var power: Int64 = 1
        for _ in 0..<18 {
            for value in [power - 1, power, power + 1, -power, -(power - 1)] {
                XCTAssertEqual(JSONValue.int(value).jsonString, String(value))
            }
            power *= 10
        }
        for value in [Int64.max, Int64.max - 1, Int64.min, Int64.min + 1, power, power - 1] {
            XCTAssertEqual(JSONValue.int(value).jsonString, String(value))
        }
    }

    /// A streamed document sends what it has written and goes on: the containers stay open and
    /// the next element still gets its comma; the buffer grows past its first capacity.
    func testWriterRemoveWrittenKeepsContainers() {
        var writer = JSONWriter(capacity: 16)
        var sent: [UInt8] = []
        writer.beginArray()
        for index in 0..<1_000 {
            writer.string(String(repeating: "x", count: index % 40))
            if writer.count > 100 {
                sent += writer.bytes
                writer.removeWritten()
            }
        }
        writer.endArray()
        sent += writer.bytes
        let expected = "[" + (0..<1_000).map { "\"" + String(repeating: "x", count: $0 % 40) + "\"" }.joined(separator: ",") + "]"
        XCTAssertEqual(String(decoding: sent, as: UTF8.self), expected)
    }

    func testWriterNumbers() {
        XCTAssertEqual(JSONValue.int(12).jsonString, "12")
        XCTAssertEqual(JSONValue.double(12).jsonString, "12.0")
        XCTAssertEqual(JSONValue.int(Int64.min).jsonString, "-9223372036854775808")
        XCTAssertEqual(JSONValue.int(Int64.max).jsonString, "9223372036854775807")
        XCTAssertEqual(JSONValue.int(0).jsonString, "0")
        XCTAssertEqual(JSONValue.double(0.1).jsonString, "0.1")
        XCTAssertEqual(JSONValue.double(-0.0).jsonString, "-0.0")
        XCTAssertEqual(JSONValue.double(.infinity).jsonString, "null")
        XCTAssertEqual(JSONValue.double(-.infinity).jsonString, "null")
        XCTAssertEqual(JSONValue.double(.nan).jsonString, "null")
        for double in [1e-7, 1e16, 123456.789, Double.leastNonzeroMagnitude, -1.5e300] {
            XCTAssertEqual(try JSONParser.parse(JSONValue.double(double).serialized()), .double(double))
        }
    }

    // MARK: Values

    func testObjectSemantics() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = "three"
        object["b"] = 10  // replaced in place
        XCTAssertEqual(object.keys, ["b", "a", "c"])
        XCTAssertEqual(object["b"], .int(10))
        XCTAssertEqual(object.count, 3)
        XCTAssertEqual(object.removeValue(forKey: "a"), .int(2))
        XCTAssertNil(object.removeValue(forKey: "missing"))
        XCTAssertEqual(object.keys, ["b", "c"])
        object["c"] = nil
        XCTAssertEqual(object.keys, ["b"])
        object["n"] = .null
        XCTAssertEqual(object["n"], .null)
        XCTAssertTrue(object.contains(key: "n"))
        XCTAssertEqual(Array(object.map(\.key)), ["b", "n"])
        XCTAssertEqual(JSONObject([("x", 1), ("x", 2)]).keys, ["x"])
    }

    func testLargeObjectUsesIndexConsistently() {
        var object = JSONObject()
        for index in 0..<40 {
            object["k\(index)"] = .int(Int64(index))
        }
        XCTAssertEqual(object["k33"], .int(33))
        object.removeValue(forKey: "k0")
        XCTAssertEqual(object["k39"], .int(39))
        XCTAssertEqual(object.keys.first, "k1")
        for index in 1..<35 {
            object.removeValue(forKey: "k\(index)")
        }
        XCTAssertEqual(object.keys, ["k35", "k36", "k37", "k38", "k39"])
        object["k36"] = "changed"
        XCTAssertEqual(object["k36"], "changed")
    }

    func testObjectEqualityIgnoresOrder() {
        let first: JSONObject = ["a": 1, "b": [true]]
        let second: JSONObject = ["b": [true], "a": 1]
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.hashValue, second.hashValue)
        XCTAssertEqual(Set([JSONValue.object(first), .object(second)]).count, 1)
        XCTAssertNotEqual(first, ["a": 1, "b": [false]])
        XCTAssertNotEqual(first, ["a": 1])
        XCTAssertNotEqual(JSONValue.int(1), .double(1))
    }

    func testConveniences() {
        let value: JSONValue = ["s": "x", "i": 3, "d": 3.0, "b": false, "n": nil, "a": [1]]
        let object = value.objectValue!
        XCTAssertEqual(object["s"]?.stringValue, "x")
        XCTAssertEqual(object["i"]?.intValue, 3)
        XCTAssertNil(object["d"]?.intValue)
        XCTAssertEqual(object["d"]?.doubleValue, 3.0)
        XCTAssertEqual(object["i"]?.doubleValue, 3.0)
        XCTAssertEqual(object["b"]?.boolValue, false)
        XCTAssertEqual(object["n"]?.isNull, true)
        XCTAssertEqual(object["a"]?.arrayValue, [1])
        XCTAssertNil(object["s"]?.intValue)
        XCTAssertNil(object["i"]?.stringValue)
        XCTAssertEqual(object["i"]?.typeName, "integer")
        XCTAssertEqual(value.description, #"{"s":"x","i":3,"d":3.0,"b":false,"n":null,"a":[1]}"#)
    }
}
