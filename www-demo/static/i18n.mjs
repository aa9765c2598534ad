// French and English strings of the demo page; the browser's language by default.
const strings = {
  en: {
    brand: 'Identity verification',
    'start.title': 'Verify your identity',
    'start.intro': 'You will need an identity document (ID card, passport or residence permit) and a camera, or photos of the document.',
    'start.go': 'Start',
    'document.title': 'Which document will you use?',
    'doc.id_card': 'National ID card (front and back)',
    'doc.residence_permit': 'Residence permit (front and back)',
    'doc.passport': 'Passport (photo page)',
    next: 'Continue',
    'handoff.title': 'Continue on another device',
    'handoff.text': 'Scan this code with your phone, or open the link on it. Keep it private: it gives access to this verification.',
    'handoff.copy': 'Copy link',
    'handoff.qr': 'QR code: link to continue on another device',
    'handoff.link': 'Link',
    'lang.switch': 'FR – Français',
    'lang.other': 'FR',
    'handoff.copied': 'Link copied',
    'consent.title': 'Your consent',
    'consent.cgu': 'I accept the terms of use of the identity verification service.',
    'consent.biometry': 'I agree that my face is compared with the photo of my document (biometric processing).',
    'consent.needed': 'Please accept both to continue: the selfie needs the biometric comparison.',
    'capture.front': 'Photo of the front of your document',
    'capture.back': 'Photo of the back of your document',
    'capture.page': 'Photo of the page with your photo',
    'capture.selfie': 'A photo of your face',
    'capture.shoot': 'Take the photo',
    'capture.file': 'Use a saved photo',
    'capture.camera_retry': 'Try the camera again',
    'capture.accept': 'Use this photo',
    'capture.retake': 'Retake',
    'capture.check': 'Is the photo sharp, complete and without reflections?',
    'hint.place': 'Place the document inside the frame. The photo will be taken automatically.',
    'hint.face': 'Place your face inside the oval. The photo will be taken automatically.',
    'hint.good': 'Good — hold still…',
    'hint.blurry': 'Hold still: the picture is blurry',
    'hint.glare': 'Reflection: tilt the document a little',
    'hint.too_dark': 'Too dark: find more light',
    'hint.too_bright': 'Too bright: avoid direct light',
    'hint.low_contrast': 'The document is hard to see: use a darker background',
    'hint.low_resolution': 'This camera is not sharp enough: use a saved photo',
    'hint.no_document': 'Place the document inside the frame. The photo will be taken automatically.',
    'hint.no_document_still': 'Still not found: lay the document flat on a dark, plain surface, inside the frame',
    'hint.partly_outside': 'The whole document must be visible: move it into the frame',
    'hint.too_far': 'Come closer: the document should fill the frame',
    'hint.too_close': 'Move back a little: the document is larger than the frame',
    'hint.tilted': 'Hold the document flat and straight',
    'hint.no_face': 'Place your face inside the oval',
    'hint.multiple_faces': 'Only one face, please',
    'hint.face_too_small': 'Come closer: your face should fill the oval',
    'hint.face_off_center': 'Centre your face in the oval',
    'hint.same_side': 'Turn your document over',
    'hint.same_side_still': 'This is still the front: turn the document over to show the back.',
    'capture.cropped': 'The document, as it will be sent',
    'upload.title': 'Sending your documents',
    'upload.overall': 'Overall',
    'upload.page': 'Page {n}',
    'upload.selfie': 'Selfie',
    'upload.retrying': 'The connection is unstable: trying again…',
    retry: 'Try again',
    restart: 'Start again',
    'wait.title': 'Checking your documents…',
    'wait.status': 'Status: {status}',
    'result.title': 'Result',
    'result.ok': 'Your identity is verified.',
    'result.ko': 'We could not verify your identity from these photos.',
    'result.ko_advice': 'This often happens when a photo is blurry, has reflections or cuts off part of the document. Try again on a dark surface, in good light. If it fails again, contact us.',
    'result.failed': 'The verification failed on our side. Please try again.',
    'result.canceled': 'This verification was stopped before its end. Please start again.',
    'problem.unreadable_document': 'A photo of your document could not be read: it may be too small, blurry or cut off.',
    'problem.unreadable_selfie': 'The photo of your face could not be read.',
    'problem.face_match': 'Your face could not be matched with the photo on your document.',
    'problem.liveness': 'The photo of your face must be taken live, of you, not of a picture.',
    'problem.document_invalid': 'The document could not be accepted as a valid identity document.',
    'problem.data_mismatch': 'The details on the document do not match the ones expected.',
    'problem.other': 'One of the checks could not be completed.',
    'id.name': 'Last name',
    'id.first': 'First names',
    'id.birth': 'Date of birth',
    'err.network': 'The connection was lost. Check your network and try again.',
    'err.timeout': 'The service did not answer in time. Try again.',
    'err.server': 'The service is having trouble. Try again in a moment.',
    'err.rate_limited': 'Too many attempts. Wait a moment and try again.',
    'err.unauthorized': 'This verification has expired. Please start again.',
    'err.permission_denied': 'Camera access was blocked. Allow it in your browser settings and try again, or use a saved photo.',
    'err.no_camera': 'No camera was found. Connect one and try again, or use a saved photo.',
    'err.camera_in_use': 'The camera is busy. Close the other apps using it and try again, or use a saved photo.',
    'err.insecure_context': 'The camera needs a secure (https) page. Use a saved photo.',
    'err.unsupported': 'This browser cannot use the camera here. Use a saved photo.',
    'err.unsupported_format': 'This file type is not accepted: use a JPEG, PNG, PDF or HEIC file.',
    'err.payload_too_large': 'This file is too large (9.5 MB at most).',
    'err.invalid_input': 'The request was refused. Please start again.',
    'err.not_found': 'This verification could not be found. Please start again.',
    'err.out_of_order': 'This step is no longer possible: the verification may already be finished. Please start again.',
    'err.invalid_response': 'The service gave an unexpected answer. Try again in a moment.',
    'err.no_document': 'No document was found in the photo. Place it inside the frame, on a dark surface, and try again.',
    'err.aborted': 'The operation was stopped.',
    'err.busy': 'The service is busy. Try again in a few minutes.',
    'err.other': 'Something went wrong. Please try again.',
  },
  fr: {
    brand: "Vérification d'identité",
    'start.title': 'Vérifiez votre identité',
    'start.intro': "Il vous faut une pièce d'identité (carte d'identité, passeport ou titre de séjour) et un appareil photo, ou des photos de la pièce.",
    'start.go': 'Commencer',
    'document.title': 'Quelle pièce allez-vous utiliser ?',
    'doc.id_card': "Carte nationale d'identité (recto et verso)",
    'doc.residence_permit': 'Titre de séjour (recto et verso)',
    'doc.passport': 'Passeport (page avec la photo)',
    next: 'Continuer',
    'handoff.title': 'Continuer sur un autre appareil',
    'handoff.text': "Scannez ce code avec votre téléphone, ou ouvrez-y le lien. Gardez-le pour vous : il donne accès à cette vérification.",
    'handoff.copy': 'Copier le lien',
    'handoff.qr': 'QR code : lien pour continuer sur un autre appareil',
    'handoff.link': 'Lien',
    'lang.switch': 'EN – English',
    'lang.other': 'EN',
    'handoff.copied': 'Lien copié',
    'consent.title': 'Votre consentement',
    'consent.cgu': "J'accepte les conditions d'utilisation du service de vérification d'identité.",
    'consent.biometry': "J'accepte que mon visage soit comparé à la photo de ma pièce (traitement biométrique).",
    'consent.needed': 'Acceptez les deux pour continuer : le selfie nécessite la comparaison biométrique.',
    'capture.front': 'Photo du recto de votre pièce',
    'capture.back': 'Photo du verso de votre pièce',
    'capture.page': 'Photo de la page avec votre photo',
    'capture.selfie': 'Une photo de votre visage',
    'capture.shoot': 'Prendre la photo',
    'capture.file': 'Utiliser une photo enregistrée',
    'capture.camera_retry': 'Réessayer la caméra',
    'capture.accept': 'Utiliser cette photo',
    'capture.retake': 'Reprendre',
    'capture.check': 'La photo est-elle nette, complète et sans reflet ?',
    'hint.place': 'Placez la pièce dans le cadre. La photo sera prise automatiquement.',
    'hint.face': 'Placez votre visage dans l’ovale. La photo sera prise automatiquement.',
    'hint.good': 'Parfait — ne bougez plus…',
    'hint.blurry': "Ne bougez pas : l'image est floue",
    'hint.glare': 'Reflet : inclinez légèrement la pièce',
    'hint.too_dark': 'Trop sombre : trouvez plus de lumière',
    'hint.too_bright': 'Trop clair : évitez la lumière directe',
    'hint.low_contrast': 'La pièce se voit mal : posez-la sur un fond plus sombre',
    'hint.low_resolution': 'Cette caméra n’est pas assez précise : utilisez une photo enregistrée',
    'hint.no_document': 'Placez la pièce dans le cadre. La photo sera prise automatiquement.',
    'hint.no_document_still': 'Toujours introuvable : posez la pièce à plat sur une surface sombre et unie, dans le cadre',
    'hint.partly_outside': 'La pièce doit être entièrement visible : ramenez-la dans le cadre',
    'hint.too_far': 'Rapprochez-vous : la pièce doit remplir le cadre',
    'hint.too_close': 'Reculez un peu : la pièce dépasse du cadre',
    'hint.tilted': 'Tenez la pièce à plat et droite',
    'hint.no_face': "Placez votre visage dans l'ovale",
    'hint.multiple_faces': 'Un seul visage, s’il vous plaît',
    'hint.face_too_small': "Rapprochez-vous : votre visage doit remplir l'ovale",
    'hint.face_off_center': "Centrez votre visage dans l'ovale",
    'hint.same_side': 'Retournez votre pièce',
    'hint.same_side_still': 'C’est encore le recto : retournez la pièce pour montrer le verso.',
    'capture.cropped': 'La pièce, telle qu’elle sera envoyée',
    'upload.title': 'Envoi de vos documents',
    'upload.overall': 'Total',
    'upload.page': 'Page {n}',
    'upload.selfie': 'Selfie',
    'upload.retrying': 'La connexion est instable : nouvel essai…',
    retry: 'Réessayer',
    restart: 'Recommencer',
    'wait.title': 'Vérification de vos documents…',
    'wait.status': 'État : {status}',
    'result.title': 'Résultat',
    'result.ok': 'Votre identité est vérifiée.',
    'result.ko': 'Nous n’avons pas pu vérifier votre identité à partir de ces photos.',
    'result.ko_advice': 'Cela arrive souvent quand une photo est floue, a des reflets ou coupe la pièce. Réessayez sur une surface sombre, bien éclairée. Si cela échoue encore, contactez-nous.',
    'result.failed': 'La vérification a échoué de notre côté. Veuillez réessayer.',
    'result.canceled': 'Cette vérification a été arrêtée avant la fin. Recommencez, s’il vous plaît.',
    'problem.unreadable_document': 'Une photo de votre pièce n’a pas pu être lue : elle est peut-être trop petite, floue ou coupée.',
    'problem.unreadable_selfie': 'La photo de votre visage n’a pas pu être lue.',
    'problem.face_match': 'Votre visage n’a pas pu être rapproché de la photo de votre pièce.',
    'problem.liveness': 'La photo de votre visage doit être prise en direct, de vous, et non d’une image.',
    'problem.document_invalid': 'La pièce n’a pas pu être acceptée comme pièce d’identité valide.',
    'problem.data_mismatch': 'Les informations de la pièce ne correspondent pas à celles attendues.',
    'problem.other': 'L’une des vérifications n’a pas pu aboutir.',
    'id.name': 'Nom',
    'id.first': 'Prénoms',
    'id.birth': 'Date de naissance',
    'err.network': 'La connexion a été perdue. Vérifiez votre réseau et réessayez.',
    'err.timeout': "Le service n'a pas répondu à temps. Réessayez.",
    'err.server': 'Le service rencontre un problème. Réessayez dans un instant.',
    'err.rate_limited': 'Trop de tentatives. Patientez un instant puis réessayez.',
    'err.unauthorized': 'Cette vérification a expiré. Recommencez, s’il vous plaît.',
    'err.permission_denied': 'L’accès à la caméra a été bloqué. Autorisez-le dans les réglages du navigateur puis réessayez, ou utilisez une photo enregistrée.',
    'err.no_camera': 'Aucune caméra n’a été trouvée. Branchez-en une puis réessayez, ou utilisez une photo enregistrée.',
    'err.camera_in_use': 'La caméra est occupée. Fermez les autres applications qui l’utilisent puis réessayez, ou utilisez une photo enregistrée.',
    'err.insecure_context': 'La caméra exige une page sécurisée (https). Utilisez une photo enregistrée.',
    'err.unsupported': 'Ce navigateur ne peut pas utiliser la caméra ici. Utilisez une photo enregistrée.',
    'err.unsupported_format': "Ce type de fichier n'est pas accepté : utilisez un fichier JPEG, PNG, PDF ou HEIC.",
    'err.payload_too_large': 'Ce fichier est trop lourd (9,5 Mo au plus).',
    'err.invalid_input': 'La demande a été refusée. Recommencez, s’il vous plaît.',
    'err.not_found': 'Cette vérification est introuvable. Recommencez, s’il vous plaît.',
    'err.out_of_order': 'Cette étape n’est plus possible : la vérification est peut-être déjà terminée. Recommencez, s’il vous plaît.',
    'err.invalid_response': 'Le service a donné une réponse inattendue. Réessayez dans un instant.',
    'err.no_document': 'Aucune pièce n’a été trouvée sur la photo. Placez-la dans le cadre, sur une surface sombre, puis réessayez.',
    'err.aborted': 'L’opération a été arrêtée.',
    'err.busy': 'Le service est très sollicité. Réessayez dans quelques minutes.',
    'err.other': 'Une erreur est survenue. Veuillez réessayer.',
  },
};

let current = (globalThis.navigator?.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
const listeners = [];

export const lang = () => current;

// Every key of both languages (for the tests: French and English must have the same).
export const keys = (l) => Object.keys(strings[l]);

export function t(key, vars = {}) {
  const s = strings[current][key] ?? strings.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

const varsOf = (el) => (el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : {});

// Sets an element's text to the string `key` and keeps the key (and its values) on the element,
// so that a change of language says it again in the new language. No key: no text.
export function render(el, key, vars) {
  if (!key) {
    delete el.dataset.i18n; delete el.dataset.i18nVars;
    el.textContent = '';
    return;
  }
  el.dataset.i18n = key;
  if (vars && Object.keys(vars).length) el.dataset.i18nVars = JSON.stringify(vars); else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
}

// The same for an image's text alternative.
export function renderAlt(img, key) {
  if (key) { img.dataset.i18nAlt = key; img.alt = t(key); } else { delete img.dataset.i18nAlt; }
}

// What is not an element's text (the window's title, a date's format) says itself again.
export function onLangChange(fn) { listeners.push(fn); }

export function setLang(l) {
  current = l === 'fr' ? 'fr' : 'en';
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n, varsOf(el));
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of document.querySelectorAll('[data-i18n-alt]')) el.alt = t(el.dataset.i18nAlt);
  for (const fn of listeners) fn();
}
