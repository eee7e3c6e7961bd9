import Storage

extension [TagRecord] {
    /// These tags with `updates` set over them: an existing key takes the new value in place, a new key is added
    /// at the end, so tags keep the order they were first set in. Both services tag this way.
    package func setting(_ updates: [TagRecord]) -> [TagRecord] {
        var result = self
        for tag in updates {
            if let index = result.firstIndex(where: { $0.key == tag.key }) {
                result[index].value = tag.value
            } else {
                result.append(tag)
            }
        }
        return result
    }
}
