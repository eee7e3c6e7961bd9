extension String {
    /// The parts one after another, in a string reserved at their exact size first. ARNs and secret names are
    /// built once a request on the key rotation path: an interpolation's guess at their size was short, and grew
    /// the string twice (two more allocations a request, counted with a malloc uprobe).
    @inlinable package init<each Part: StringProtocol>(concatenating part: repeat each Part) {
        var size = 0
        for piece in repeat each part { size += piece.utf8.count }
        self = ""
        reserveCapacity(size)
        for piece in repeat each part { append(contentsOf: piece) }
    }
}
