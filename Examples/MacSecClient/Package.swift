// swift-tools-version:6.1
// A package outside dxlocal that uses its client, as a user's would. scripts/client-example copies it out of the
// repository with Snippets/AssociateMacSecKey.swift as its program, points the path below at the checkout,
// builds it and runs it against `dxlocal serve`.
import PackageDescription

let package = Package(
    name: "MacSecClient",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dxlocal", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "MacSecClient",
            dependencies: [.product(name: "DirectConnectClient", package: "dxlocal")]
        )
    ]
)
