// SwiftPM links an executable's main under the name <module>_main; libFuzzer's driver runs
// from there (LLVMFuzzerRunDriver), with the Swift entry point LLVMFuzzerTestOneInput.
int KindredFuzz_main(int argc, char **argv);
