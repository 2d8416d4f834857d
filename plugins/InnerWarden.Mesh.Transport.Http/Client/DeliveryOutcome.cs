namespace InnerWarden.Mesh.Transport.Http.Client;

/// <summary>What a peer did with a delivery, judged by the HTTP status alone.</summary>
internal enum DeliveryOutcome
{
    /// <summary>2xx: the peer read and judged it (staged, discarded or duplicate alike); never send it again.</summary>
    Delivered,
    /// <summary>A final 4xx (rejected, quarantined, too large): sending it again cannot help, so it is dropped.</summary>
    Refused,
    /// <summary>415/404/405: the peer does not read this encoding or endpoint; speak JSON to it.</summary>
    Unsupported,
    /// <summary>5xx or 408: try again later. Counts as a failure for the breaker.</summary>
    Transient,
}
