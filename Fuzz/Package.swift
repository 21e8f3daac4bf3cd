// swift-tools-version:6.1
// Coverage-guided fuzzing of Kindred's input parsers with libFuzzer. A package of its own, so
// that the instrumented build (every module compiled with -sanitize=fuzzer) never mixes with
// the main build and `swift build` at the root never meets the fuzzer's entry point.
// Build and run: scripts/fuzz.sh (see docs/fuzzing.md).
import PackageDescription

let package = Package(
    name: "KindredFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Kindred", path: "..")],
    targets: [
        .executableTarget(
            name: "KindredFuzz",
            dependencies: ["FuzzDriver", .product(name: "KindredStore", package: "Kindred")],
            // libFuzzer brings main(); scripts/fuzz.sh adds -sanitize=fuzzer for every module, so
            // that the parsers themselves report coverage.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        // The executable's main, handing over to libFuzzer.
        .target(name: "FuzzDriver"),
    ]
)
