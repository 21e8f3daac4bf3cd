import Foundation
import KindredCLI

exit(KindredMain.run(Array(CommandLine.arguments.dropFirst())))
