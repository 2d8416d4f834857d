namespace InnerWarden.Mesh.Transport.Http;

/// <summary>What the server listens with: <c>plugin_settings.http.tls</c>.</summary>
internal enum TlsMode
{
    /// <summary>HTTPS with a certificate made on first start into the data dir (the default).</summary>
    SelfSigned,
    /// <summary>HTTPS with the operator's <c>tls_certificate</c> (PFX, or PEM with <c>tls_key</c>).</summary>
    Certificate,
    /// <summary>Plain HTTP only.</summary>
    Off,
}
