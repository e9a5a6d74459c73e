import Foundation

/// The number of cores this process may use: the default partition count.
public enum ProcessInfoCores {
    public static var active: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
