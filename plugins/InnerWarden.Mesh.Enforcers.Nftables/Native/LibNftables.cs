using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Enforcers.Nftables.Native;

/// <summary>
/// The few entry points of libnftables (the library the <c>nft</c> tool is a thin shell around; Debian's
/// <c>libnftables1</c>, which <c>nftables</c> depends on) that run an nft script in process: the same parser, the
/// same one-transaction-per-buffer semantics, without starting a process per transaction.
/// </summary>
internal static partial class LibNftables
{
    public const string LibraryName = "libnftables.so.1";

    /// <summary><c>NFT_CTX_OUTPUT_JSON</c>: list commands print what <c>nft -j</c> prints.</summary>
    public const uint OutputJson = 1 << 4;

    private const int CloneNewNet = 0x40000000;

    /// <summary>Whether the library can be loaded here; the reason when it cannot.</summary>
    public static bool IsAvailable(out string? reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "not Linux";
            return false;
        }
        if (NativeLibrary.TryLoad(LibraryName, typeof(LibNftables).Assembly, DllImportSearchPath.SafeDirectories, out var handle))
        {
            var complete = NativeLibrary.TryGetExport(handle, "nft_run_cmd_from_buffer", out _)
                && NativeLibrary.TryGetExport(handle, "nft_ctx_output_set_flags", out _);
            reason = complete ? null : $"{LibraryName} lacks nft_run_cmd_from_buffer or nft_ctx_output_set_flags";
            return complete;
        }
        reason = $"{LibraryName} could not be loaded (is libnftables1 installed?)";
        return false;
    }

    /// <summary>Moves the calling thread (only it) into the network namespace behind <paramref name="namespaceFd"/>.</summary>
    public static int EnterNetworkNamespace(SafeHandle namespaceFd)
    {
        ArgumentNullException.ThrowIfNull(namespaceFd);
        var added = false;
        try
        {
            namespaceFd.DangerousAddRef(ref added);
            return SetNs((int)namespaceFd.DangerousGetHandle(), CloneNewNet) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                namespaceFd.DangerousRelease();
            }
        }
    }

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_new")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr CtxNew(uint flags);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_free")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void CtxFree(IntPtr ctx);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_buffer_output")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int CtxBufferOutput(IntPtr ctx);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_buffer_error")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int CtxBufferError(IntPtr ctx);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_get_output_buffer")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr CtxGetOutputBuffer(IntPtr ctx);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_get_error_buffer")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr CtxGetErrorBuffer(IntPtr ctx);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_output_get_flags")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial uint CtxOutputGetFlags(IntPtr ctx);

    [LibraryImport(LibraryName, EntryPoint = "nft_ctx_output_set_flags")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void CtxOutputSetFlags(IntPtr ctx, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int RunCmdFromBuffer(IntPtr ctx, string buffer);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int SetNs(int fd, int nsType);
}
