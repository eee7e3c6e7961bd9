import Testing

@testable import dxlocal

/// `JSONValue`'s reader against CPython 3.11's `json.loads`: the expected texts are what `str(JSONDecodeError)`
/// printed for each input (`python3 -c 'import json; json.loads(TEXT)'`), which the AWS CLI puts in its report.
struct PythonJSONTests {
    @Test(arguments: [
        ("", "Expecting value: line 1 column 1 (char 0)"),
        ("  ", "Expecting value: line 1 column 3 (char 2)"),
        ("[{", "Expecting property name enclosed in double quotes: line 1 column 3 (char 2)"),
        ("[{}", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        (#"{"a" 1}"#, "Expecting ':' delimiter: line 1 column 6 (char 5)"),
        (#"{"a":1,}"#, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
        ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
        ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        (#"{"a":1 "b":2}"#, "Expecting ',' delimiter: line 1 column 8 (char 7)"),
        ("{a:1}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (#""abc"#, "Unterminated string starting at: line 1 column 1 (char 0)"),
        (#""a\qb""#, #"Invalid \escape: line 1 column 3 (char 2)"#),
        (#""a\u12""#, #"Invalid \uXXXX escape: line 1 column 4 (char 3)"#),
        (#""a\u12zz""#, #"Invalid \uXXXX escape: line 1 column 4 (char 3)"#),
        ("\"a\u{01}b\"", "Invalid control character at: line 1 column 3 (char 2)"),
        ("\"a\tb\"", "Invalid control character at: line 1 column 3 (char 2)"),
        ("01", "Extra data: line 1 column 2 (char 1)"),
        ("1.", "Extra data: line 1 column 2 (char 1)"),
        ("1e", "Extra data: line 1 column 2 (char 1)"),
        ("-", "Expecting value: line 1 column 1 (char 0)"),
        ("[1]x", "Extra data: line 1 column 4 (char 3)"),
        ("tru", "Expecting value: line 1 column 1 (char 0)"),
        ("[nul]", "Expecting value: line 1 column 2 (char 1)"),
        (#""\"#, "Unterminated string starting at: line 1 column 1 (char 0)"),
        (#"{"a":}"#, "Expecting value: line 1 column 6 (char 5)"),
        (#"["é", x]"#, "Expecting value: line 1 column 7 (char 6)"),
        ("{\"a\":1}\n{\"b\"", "Extra data: line 2 column 1 (char 8)"),
        ("\n\n  [1,\n x]", "Expecting value: line 4 column 2 (char 9)"),
        ("[1,2", "Expecting ',' delimiter: line 1 column 5 (char 4)"),
        (#"{"a":1"#, "Expecting ',' delimiter: line 1 column 7 (char 6)"),
        (#"{"a""#, "Expecting ':' delimiter: line 1 column 5 (char 4)"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("[", "Expecting value: line 1 column 2 (char 1)"),
        (#"{"a":[1,{"b":}]}"#, "Expecting value: line 1 column 14 (char 13)"),
        ("1.5e+3x", "Extra data: line 1 column 7 (char 6)"),
        ("[.5]", "Expecting value: line 1 column 2 (char 1)"),
        ("[+1]", "Expecting value: line 1 column 2 (char 1)"),
    ])
    func whatPythonRefusesIsRefusedInItsWords(text: String, said: String) {
        let refused = #expect(throws: JSONValue.Malformed.self) { try JSONValue(json: Array(text.utf8)) }
        #expect(refused?.description == said, "\(text)")
    }

    /// The AWS CLI's json.loads reads 981 levels and refuses the 982nd with Python's RecursionError; far deeper
    /// nesting is refused the same way, not by the stack running out.
    @Test func nestingStopsWhereTheAWSCLIsReaderStops() throws {
        let deepest = String(repeating: "[", count: 981) + String(repeating: "]", count: 981)
        #expect(throws: Never.self) { try JSONValue(json: Array(deepest.utf8)) }
        for text in ["[" + String(repeating: #"{"a":"#, count: 981), String(repeating: "[", count: 1_000_000)] {
            let refused = #expect(throws: JSONValue.Malformed.self) { try JSONValue(json: Array(text.utf8)) }
            #expect(refused?.tooDeep == true)
            let kind = text.hasPrefix("[{") ? "object" : "array"
            #expect(
                refused?.description
                    == "maximum recursion depth exceeded while decoding a JSON \(kind) from a unicode string"
            )
        }
    }

    @Test func whatPythonReadsIsReadAlike() throws {
        let read = try JSONValue(
            json: Array(
                #" {"a": [1, -0.5e+3, 1E2, NaN, -Infinity, Infinity], "b": "\ud83d\ude00\u00e9\n\/", "c": {}} "#.utf8
            )
        )
        #expect(
            read
                == .object([
                    (
                        "a",
                        .array([
                            .number("1"), .number("-0.5e+3"), .number("1E2"), .number("NaN"), .number("-Infinity"),
                            .number("Infinity"),
                        ])
                    ),
                    ("b", .string("😀é\n/")),
                    ("c", .object([])),
                ])
        )
        // A lone surrogate, which Python keeps in its string, is the replacement character here.
        #expect(try JSONValue(json: Array(#""\ud800x""#.utf8)) == .string("\u{FFFD}x"))
        #expect(
            try JSONValue(json: Array("[true, false, null, \"\"]".utf8))
                == .array([.bool(true), .bool(false), .null, .string("")])
        )
    }
}
