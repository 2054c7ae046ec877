# Palabras que comparten páginas y correos: fechas, derechos, estados, resultados,
# errores de formulario, páginas de error y datos de contacto de la empresa.

## Fechas: "lunes, 30 de noviembre de 2026"

date-long = { $weekday }, { $day } de { $month } de { $year }
weekday-1 = lunes
weekday-2 = martes
weekday-3 = miércoles
weekday-4 = jueves
weekday-5 = viernes
weekday-6 = sábado
weekday-7 = domingo
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre

date-confirm-by = Confirmamos que la recibimos y le explicamos los próximos pasos a más tardar el
date-respond-by = Respondemos a su solicitud a más tardar el
date-comply-by = Aplicamos su decisión a más tardar el
date-closed-on = Cerrada el

## Los derechos

kind-know_categories = Saber qué información personal se recopila
kind-know_specific = Obtener una copia de su información personal
kind-delete = Eliminar su información personal
kind-correct = Corregir su información personal
kind-opt_out = No vender ni compartir mi información personal
kind-limit_sensitive = Limitar el uso de mi información personal confidencial
kind-opt_in = Volver a autorizar la venta o el intercambio
kind-know_categories-summary = Averigüe qué tipos de información personal recopilamos sobre usted, de dónde viene, para qué la usamos y con quién la compartimos.
kind-know_specific-summary = Reciba una copia de los datos personales específicos que tenemos sobre usted, en un archivo que puede descargar y volver a usar.
kind-delete-summary = Pídanos que eliminemos la información personal que recopilamos de usted.
kind-correct-summary = Díganos qué información personal que tenemos está equivocada y cómo debería decir.
kind-opt_out-summary = Pídanos que dejemos de vender o compartir su información personal. No hace falta verificar su identidad.
kind-limit_sensitive-summary = Pídanos que usemos su información personal confidencial solo para lo necesario para atenderle. No hace falta verificar su identidad.
kind-opt_in-summary = Permítanos volver a vender o compartir su información personal después de haberse excluido. Solo entra en vigor cuando usted lo confirma con el enlace que le enviamos por correo electrónico.

## Estados, como los lee el consumidor

status-received = Recibida
status-awaiting_verification = Esperando que confirme su correo electrónico
status-verified = Identidad confirmada
status-in_progress = En trámite
status-fulfilled = Completada
status-partially_fulfilled = Completada en parte
status-denied = Rechazada
status-withdrawn = Retirada
status-closed_unverified = Cerrada: no se pudo verificar su identidad
status-opt_in-awaiting_verification = Esperando que confirme la nueva autorización con el enlace que le enviamos por correo electrónico
status-opt_in-fulfilled = Completada: usted volvió a dar su autorización
status-opt_in-closed_unverified = Cerrada: la autorización no se confirmó, así que su exclusión sigue vigente

## Resultados y motivos de un rechazo

outcome-closed = Cerrada
outcome-fulfilled = Completada
outcome-partially_fulfilled = Completada en parte
outcome-applied = Aplicada y agregada a la lista de exclusión
outcome-withdrawn = Retirada a petición suya
outcome-agent_not_authorized = No se confirmó la autoridad del agente para actuar en su nombre
outcome-opt_in_not_confirmed = La autorización no se confirmó a tiempo, así que no se aplicó; la exclusión sigue vigente
outcome-opt_in_declined = Usted rechazó la autorización; la exclusión sigue vigente
outcome-opted_in = Usted volvió a dar su autorización
outcome-revoked = Retirada por el agente que la presentó
outcome-identity_not_verified = No pudimos verificar su identidad
outcome-too_many_requests = Ya hizo dos solicitudes para saber en los últimos 12 meses (Código Civil §1798.130(b))
outcome-suspected_fraud = Tenemos motivos de buena fe, razonables y documentados para creer que la solicitud es fraudulenta (reg. §7026(e))
outcome-disproportionate_effort = Responder requeriría un esfuerzo desproporcionado en relación con el beneficio para usted (reg. §7001(h))
outcome-complete_transaction = Es necesaria para completar una transacción, darle un producto o servicio que usted pidió o cumplir un contrato con usted (§1798.105(d)(1))
outcome-security = Es necesaria para ayudar a garantizar la seguridad y la integridad (§1798.105(d)(2))
outcome-debugging = Es necesaria para detectar y reparar errores (§1798.105(d)(3))
outcome-free_speech = Es necesaria para ejercer la libertad de expresión u otro derecho previsto por la ley (§1798.105(d)(4))
outcome-calecpa = Es necesaria para cumplir con la Ley de Privacidad de las Comunicaciones Electrónicas de California (§1798.105(d)(5))
outcome-research = Es necesaria para investigaciones de interés público (§1798.105(d)(6))
outcome-internal_expected_uses = Es necesaria para usos internos razonablemente acordes con lo que usted espera (§1798.105(d)(7))
outcome-legal_obligation = Es necesaria para cumplir con una obligación legal (§1798.105(d)(8))
outcome-more_likely_accurate = Es más probable que la información sea correcta que incorrecta (reg. §7023)
outcome-inadequate_documentation = Los documentos que nos dio no bastaban para respaldar la corrección (reg. §7023)
outcome-conflict_with_law = Corregirla sería contrario a la ley federal o estatal
outcome-exception = Se aplica una excepción prevista por la ley (se explica abajo)
outcome-other = Otro motivo (se explica abajo)

## Errores de formulario

errors-fix = { $count ->
    [one] Corrija este problema
   *[other] Corrija estos { $count } problemas
}
error-prefix = Error:
error-full-name = Escriba su nombre completo.
error-california-resident = Confirme que reside en California: estos derechos los da la ley de California.
error-lookback-missing = Elija hasta qué fecha debe abarcar su solicitud.
error-lookback-invalid = Elija uno de los dos periodos.
error-phone-or-address = Indique un número de teléfono o una dirección postal: para darle una copia de sus datos necesitamos un dato más que confirme quién es usted.
error-declaration-name = Escriba su nombre completo para firmar la declaración.
error-declaration-name-agent = Escriba el mismo nombre que dio como agente.
error-declaration-name-same = Escriba el mismo nombre completo que dio arriba.
error-declaration-agree = Marque la casilla para declarar, bajo pena de perjurio, que usted es la persona nombrada.
error-correction-field = Indique qué información está equivocada.
error-corrected-value = Indique cómo debería decir la información.
error-agent-name = Escriba su propio nombre, como agente.
error-agent-email-own = Indique su propio correo electrónico, no el del consumidor.
error-authority = Indique cómo está autorizado: con el permiso firmado del consumidor o con un poder notarial.
error-agent-declaration = Marque la casilla para declarar que está autorizado para actuar en nombre de este consumidor.
error-permission-missing = Adjunte el permiso firmado del consumidor (PDF, PNG o JPEG).
error-too-long = Use menos de { $max } caracteres.
error-unusual-characters = Quite los caracteres poco comunes de este campo.
error-phone = Escriba un número de teléfono como (555) 123-4567 o +1 555 123 4567.
error-file-too-large-field = El archivo es demasiado grande: el límite es de { $mb } MB.
error-file-type = Adjunte un archivo PDF, PNG o JPEG.
error-email-missing = Escriba su correo electrónico.
error-email-too-long = Este correo electrónico es demasiado largo.
error-email-shape = Escriba un correo electrónico como nombre@ejemplo.com.
error-tracking-code = Escriba el código de seguimiento de su comprobante, como RD-7K3M-Q9PX.
form-notice-too-many = Llegaron muchas solicitudes desde su red en el último minuto. Espere un minuto y vuelva a enviar este formulario: lo que escribió se conserva abajo.
form-notice-unavailable = En este momento no podemos guardar solicitudes. No se guardó nada: espere un minuto y vuelva a enviar este formulario. Lo que escribió se conserva abajo.

## Páginas de error

error-see-rights = Ver sus derechos de privacidad
error-not-found-title = No encontramos la página
error-not-found = No hay ninguna página en esta dirección. Vuelva a empezar desde la lista de sus derechos.
error-too-large-title = Se enviaron demasiados datos
error-unreadable-title = No pudimos leer el formulario
error-unsupported-media = Su navegador envió el formulario en un formato que no aceptamos. Vuelva a la página del formulario y envíelo de nuevo.
error-not-readable = El formulario llegó dañado o con una codificación inesperada. Vuelva atrás y envíelo de nuevo.
error-form-too-large = El formulario era más grande de lo que aceptamos ({ $kb } KB). Acorte el texto y envíelo de nuevo.
error-file-too-large = El archivo que adjuntó pesa más de { $mb } MB. Vuelva atrás y adjunte un archivo más pequeño.
error-forbidden-title = No permitido
error-forbidden = Este formulario se envió desde otro sitio, o ya venció. Abra el formulario de nuevo en este sitio y vuelva a enviarlo.
error-sign-in-title = Inicie sesión
error-sign-in = Su sesión terminó. Vuelva a iniciar sesión.
error-not-allowed = Solo los administradores pueden hacer esto. Pídaselo a un administrador si lo necesita.
error-too-many-title = Espere un momento
error-too-many = Llegaron muchas solicitudes desde su red en poco tiempo. Espere un minuto y vuelva a intentarlo.
error-unavailable-title = Vuelva a intentarlo en un momento
error-unavailable = En este momento no podemos guardar ni consultar solicitudes. No se perdió nada: vuelva a intentarlo en un minuto.
error-internal-title = Algo salió mal de nuestro lado
error-internal = No se guardó nada. Vuelva a intentarlo en unos minutos.
error-staff-year = year: give a year such as 2026

## Datos de contacto de la empresa

contact-phone = Teléfono
contact-email = Correo electrónico
contact-postal = Correo postal
contact-privacy-policy = Política de privacidad
contact-way-phone = por teléfono al { $phone }
contact-way-email = por correo electrónico a { $email }
contact-way-mail = por correo postal a { $address }
list-or = { $init } o { $last }

## La declaración bajo pena de perjurio (reg. §7060)

declaration-text = Declaro bajo pena de perjurio, conforme a las leyes del Estado de California, que soy el consumidor cuya información personal es objeto de esta solicitud.
declaration-sign-name = Escriba su nombre completo para firmar
declaration-agree = Firmo esta declaración

## Aviso en el momento de la recopilación (reg. §7012), al pie de cada formulario

notice-collection-verified = Qué recopilamos y para qué: los datos que da en este formulario (su nombre, su correo electrónico y lo que nos cuente, y los datos y documentos del agente cuando un agente presenta la solicitud), solo para confirmar quién es usted y responder a esta solicitud, y para nada más. Por cuánto tiempo: guardamos el registro de su solicitud durante { $months } meses, como lo exigen las normas de California, y después eliminamos la información personal que contiene.
notice-collection-choice = Qué recopilamos y para qué: el nombre y el correo electrónico que da en este formulario (y los datos del agente cuando un agente presenta la solicitud), solo para aplicar su decisión y confirmársela, y para nada más. Por cuánto tiempo: guardamos el registro de su solicitud durante { $months } meses, como lo exigen las normas de California, y después eliminamos la información personal que contiene.
notice-collection-browser = Qué recopilamos: nada sobre usted. Guardamos un número al azar en una cookie de este navegador, solo para aplicar su decisión cuando vuelva, y un registro de la decisión durante el tiempo que exigen las normas de California.

## Mensajes de error de los formularios nuevos

error-permission-missing-guardian = Adjunte un documento que demuestre que usted es el padre, la madre o el tutor legal del menor (PDF, PNG o JPEG).
error-guardian-declaration = Marque la casilla para declarar que usted es el padre, la madre o el tutor legal del menor y que el menor tiene menos de 13 años.
error-response-format = Elija uno de los formatos de la lista.
error-attach-again = Vuelva a adjuntar su archivo: los archivos no se conservan cuando el formulario tiene un problema.

## «Shine the Light» (Código Civil §1798.83), aparte de los derechos anteriores

kind-shine_the_light = Pregunte con quién compartimos su información para su mercadeo directo
kind-shine_the_light-summary = Una vez al año, sepa qué tipos de información personal dimos el año anterior a otras empresas para su propio mercadeo directo, y qué empresas fueron (Código Civil de California, §1798.83).
outcome-answered_with_earlier = Respondida con su solicitud anterior de este año
