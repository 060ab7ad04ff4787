import Foundation
import LoadGeneration

// `swift run -c release loadgen --users 200 --rate 2000 --duration 60s` (LoadGenerator.main says what
// each flag does; `--help` prints them).
exit(await LoadGenerator.main(arguments: Array(CommandLine.arguments.dropFirst())))
