using System.Net;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// An address whose block expired unconfirmed and the contributors debited for it, credited back by a local detection
/// of the address until <see cref="Until"/> (kept by <c>Staging.LateConfirmations</c>, one row of <c>late_confirmations</c>).
/// </summary>
internal sealed record LateConfirmation(IPAddress Ip, IReadOnlyList<string> Contributors, DateTimeOffset Until);
