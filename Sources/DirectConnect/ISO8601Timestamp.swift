import Foundation

/// A key's `startOn` as the wire shows it: `2027-01-15T08:00:00Z`, whole seconds in UTC, exactly what
/// `Date.ISO8601FormatStyle.iso8601` writes, without the formatter's cost (a listing of thousands of keys
/// formatted every one of them).
package enum ISO8601Timestamp {
    package static func string(from date: Date) -> String {
        let instant = floor(date.timeIntervalSince1970)
        // Beyond any four-digit year (and so beyond what `Int` holds): the formatter's spelling, never a trap.
        guard abs(instant) < 1e12 else { return date.formatted(.iso8601) }
        let seconds = Int(instant)
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let (year, month, dayOfMonth) = civil(fromDays: day)
        guard (0...9999).contains(year) else { return date.formatted(.iso8601) }
        // Written straight into the string's storage (one allocation, where an array and the string were two).
        return String(unsafeUninitializedCapacity: 20) { bytes in
            func put(_ value: Int, _ digits: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            put(month, 2, at: 5)
            put(dayOfMonth, 2, at: 8)
            put(second / 3600, 2, at: 11)
            put(second % 3600 / 60, 2, at: 14)
            put(second % 60, 2, at: 17)
            bytes[4] = UInt8(ascii: "-")
            bytes[7] = UInt8(ascii: "-")
            bytes[10] = UInt8(ascii: "T")
            bytes[13] = UInt8(ascii: ":")
            bytes[16] = UInt8(ascii: ":")
            bytes[19] = UInt8(ascii: "Z")
            return 20
        }
    }

    /// Year, month and day of the proleptic Gregorian calendar for days since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
