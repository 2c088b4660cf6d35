/* The collector's certificates (OpenSSL): its own CA (ECDSA P-256, since
 * browsers refuse Ed25519 server certificates), the listeners' server
 * certificate, and agents' client certificates issued from their CSRs at
 * enrollment.  All created on first start in the state directory:
 *
 *   ca.key ca.pem  server.key server.pem  checkpoint.key (Ed25519)
 *
 * Keys are written 0600 by the collector's own user. */
#ifndef WARD_COLLECTOR_PKI_H
#define WARD_COLLECTOR_PKI_H

#include <stddef.h>

struct pki {
	void *ca_key;  /* EVP_PKEY * */
	void *ca_cert; /* X509 * */
	char *ca_pem, *server_pem, *server_key_pem;
	char *server_chain_pem; /* the server certificate, then the CA's: what listeners present */
	char ca_sha256[65];	/* hex SHA-256 of the CA certificate's DER */
};

/* Loads the CA and server certificate from dir, creating what is missing
 * (the server certificate names localhost, 127.0.0.1, ::1 and the
 * comma-separated extra_names; it is renewed when it expires within 30
 * days).  Returns 0 or -errno with why in err. */
int pki_load(struct pki *p, const char *dir, const char *extra_names, char *err, size_t errsize);
void pki_free(struct pki *p);

/* Issues a client certificate (CN = cn, clientAuth, 5 years) for the key
 * of csr_pem, after checking the CSR's signature and that its subject CN
 * is cn.  *cert_pem: heap; serial: hex (at least 41 bytes).  Returns 0 or
 * -EINVAL (bad CSR) / -EIO. */
int pki_issue_client(const struct pki *p, const char *csr_pem, const char *cn, char **cert_pem,
		     char *serial, size_t serial_size);

#endif
