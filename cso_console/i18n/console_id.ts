<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>Console</name>
    <message>
        <location filename="../ui/dialogs.py" line="53"/>
        <source>Note (optional)</source>
        <translation>Catatan (opsional)</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="58"/>
        <source>Back (Esc)</source>
        <translation>Kembali (Esc)</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="107"/>
        <source>{done} of {total} documents verified.</source>
        <translation>{done} dari {total} dokumen sudah diverifikasi.</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="112"/>
        <source>Missing: {list}</source>
        <translation>Belum ada: {list}</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="114"/>
        <source>Rejected: {document} ({reason})</source>
        <translation>Ditolak: {document} ({reason})</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="116"/>
        <source>The booth&apos;s screen shows the outcome; the participant gets a receipt.</source>
        <translation>Layar bilik menampilkan hasilnya; peserta menerima tanda terima.</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="117"/>
        <source>End the session of {ticket}?</source>
        <translation>Akhiri sesi {ticket}?</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="118"/>
        <source>End session</source>
        <translation>Akhiri sesi</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="138"/>
        <source>Transfer {ticket}?</source>
        <translation>Alihkan {ticket}?</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="139"/>
        <source>The participant waits for the next free officer, or for the officer you choose. Your decisions so far stay recorded.</source>
        <translation>Peserta menunggu petugas berikutnya yang kosong, atau petugas yang Anda pilih. Keputusan Anda sejauh ini tetap tercatat.</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="141"/>
        <source>Transfer</source>
        <translation>Alihkan</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="142"/>
        <source>Back to the queue (next free officer)</source>
        <translation>Kembali ke antrean (petugas berikutnya yang kosong)</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="144"/>
        <source>To officer {name}</source>
        <translation>Ke petugas {name}</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="145"/>
        <source>Reason (optional), e.g. needs a supervisor</source>
        <translation>Alasan (opsional), mis. perlu supervisor</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="158"/>
        <source>Reject {document} of {ticket}?</source>
        <translation>Tolak {document} milik {ticket}?</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="160"/>
        <source>Pick the reason; the booth&apos;s screen tells the participant, and you can ask for the document again.</source>
        <translation>Pilih alasannya; layar bilik memberi tahu peserta, dan Anda dapat meminta dokumen itu lagi.</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="162"/>
        <source>Reject</source>
        <translation>Tolak</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="107"/>
        <source>Ask again</source>
        <translation>Minta lagi</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="108"/>
        <source>Ask</source>
        <translation>Minta</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="111"/>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="114"/>
        <source>Check</source>
        <translation>Periksa</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="123"/>
        <source>View</source>
        <translation>Lihat</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="226"/>
        <source>Accept (A)</source>
        <translation>Terima (A)</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="227"/>
        <source>Hold (H)</source>
        <translation>Tahan (H)</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="228"/>
        <source>Transfer (T)</source>
        <translation>Alihkan (T)</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="229"/>
        <source>End (E)</source>
        <translation>Akhiri (E)</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="230"/>
        <source>PROMPTS TO THE BOOTH SCREEN</source>
        <translation>PESAN KE LAYAR BILIK</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="231"/>
        <source>Documents (L)</source>
        <translation>Dokumen (L)</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="232"/>
        <source>Nobody in conversation.
Click a booth or press its number 1–6.</source>
        <translation>Tidak ada percakapan.
Klik sebuah bilik atau tekan nomornya 1–6.</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="283"/>
        <source>Booth {slot} · {ticket}</source>
        <translation>Bilik {slot} · {ticket}</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="306"/>
        <source>CLAIM CHECKLIST · {done} OF {total} VERIFIED</source>
        <translation>DAFTAR PERIKSA KLAIM · {done} DARI {total} TERVERIFIKASI</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="323"/>
        <source>Ask for {document} (D)</source>
        <translation>Minta {document} (D)</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="364"/>
        <source>Ticket</source>
        <translation>Tiket</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="364"/>
        <source>Who</source>
        <translation>Siapa</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="365"/>
        <source>Lang.</source>
        <translation>Bhs.</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="365"/>
        <source>Waiting</source>
        <translation>Menunggu</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="366"/>
        <source>Nobody is waiting.</source>
        <translation>Tidak ada yang menunggu.</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="373"/>
        <source>QUEUE · {n} WAITING</source>
        <translation>ANTREAN · {n} MENUNGGU</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="403"/>
        <source>YOUR CAMERA</source>
        <translation>KAMERA ANDA</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="404"/>
        <source>No picture from your camera yet</source>
        <translation>Belum ada gambar dari kamera Anda</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="412"/>
        <source>No camera is set up for this console ([camera] in its config).</source>
        <translation>Konsol ini tidak memiliki kamera yang diatur ([camera] di konfigurasinya).</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="414"/>
        <source>Your camera is not working: {reason}</source>
        <translation>Kamera Anda tidak berfungsi: {reason}</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="394"/>
        <source>Opening the still…</source>
        <translation>Membuka foto…</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="98"/>
        <location filename="../ui/stills.py" line="413"/>
        <source>being recorded…</source>
        <translation>sedang dicatat…</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="424"/>
        <source>Waiting for the booth&apos;s document camera…</source>
        <translation>Menunggu kamera dokumen bilik…</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="426"/>
        <source>✔ Verify (V)</source>
        <translation>✔ Verifikasi (V)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="427"/>
        <source>✘ Reject (X)</source>
        <translation>✘ Tolak (X)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="528"/>
        <source>Live camera</source>
        <translation>Kamera langsung</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="529"/>
        <source>Side by side (S)</source>
        <translation>Berdampingan (S)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="530"/>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="530"/>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="532"/>
        <source>100% (Z)</source>
        <translation>100% (Z)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="533"/>
        <source>⟲ 90°</source>
        <translation>⟲ 90°</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="533"/>
        <source>⟳ 90° (R)</source>
        <translation>⟳ 90° (R)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="534"/>
        <source>180°</source>
        <translation>180°</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="535"/>
        <source>Zoom out (−)</source>
        <translation>Perkecil (−)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="535"/>
        <source>Zoom in (+)</source>
        <translation>Perbesar (+)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="531"/>
        <source>Document (F)</source>
        <translation>Dokumen (F)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="531"/>
        <source>Whole still</source>
        <translation>Seluruh foto</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="536"/>
        <source>The document, as large as it fits (F)</source>
        <translation>Dokumen, sebesar yang muat (F)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="537"/>
        <source>The whole still, tray and all (Shift+F)</source>
        <translation>Seluruh foto, termasuk baki (Shift+F)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="538"/>
        <source>Full resolution: one still pixel per screen pixel (Z)</source>
        <translation>Resolusi penuh: satu piksel foto per piksel layar (Z)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="539"/>
        <source>Turn left (Shift+R)</source>
        <translation>Putar ke kiri (Shift+R)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="539"/>
        <source>Turn right (R)</source>
        <translation>Putar ke kanan (R)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="540"/>
        <source>Upside down</source>
        <translation>Terbalik</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="190"/>
        <location filename="../ui/stills.py" line="544"/>
        <source>Close (Esc)</source>
        <translation>Tutup (Esc)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="576"/>
        <location filename="../ui/stills.py" line="667"/>
        <source>Pick a document above to show it here.</source>
        <translation>Pilih dokumen di atas untuk ditampilkan di sini.</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="585"/>
        <source>Live document camera</source>
        <translation>Kamera dokumen langsung</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="587"/>
        <source>for placing the document; decide on the still</source>
        <translation>untuk menaruh dokumen; putuskan berdasarkan foto</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="661"/>
        <source>Documents of {ticket}</source>
        <translation>Dokumen {ticket}</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="711"/>
        <source>(attempt {n}: the last one arrived damaged)</source>
        <translation>(percobaan {n}: yang sebelumnya tiba rusak)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="713"/>
        <source>{document} asked: the participant is placing it on the tray</source>
        <translation>{document} diminta: peserta sedang menaruhnya di baki</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="716"/>
        <source>{document} captured: waiting for its turn ({n} before it)</source>
        <translation>{document} sudah difoto: menunggu giliran ({n} sebelumnya)</translation>
    </message>
    <message>
        <location filename="../ui/stills.py" line="719"/>
        <source>{document} arriving: {got} of {size}</source>
        <translation>{document} sedang tiba: {got} dari {size}</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="181"/>
        <source>Accept</source>
        <translation>Terima</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="196"/>
        <source>Free</source>
        <translation>Kosong</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="207"/>
        <source>● check {documents}</source>
        <translation>● periksa {documents}</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="208"/>
        <source>A still waits for your decision: {documents}</source>
        <translation>Sebuah foto menunggu keputusan Anda: {documents}</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="223"/>
        <location filename="../ui/tile.py" line="227"/>
        <source>waiting {time}</source>
        <translation>menunggu {time}</translation>
    </message>
    <message>
        <location filename="../ui/panel.py" line="290"/>
        <location filename="../ui/tile.py" line="234"/>
        <source>in session {time}</source>
        <translation>dalam sesi {time}</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="241"/>
        <source>Connection: {loss} packet loss, {rtt} round trip, {fps} frames/s</source>
        <translation>Koneksi: {loss} paket hilang, {rtt} waktu bolak-balik, {fps} bingkai/dtk</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="250"/>
        <source>Reconnecting to the booth…</source>
        <translation>Menyambung ulang ke bilik…</translation>
    </message>
    <message>
        <location filename="../ui/tile.py" line="255"/>
        <source>New participant</source>
        <translation>Peserta baru</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="312"/>
        <source>Branch server connected</source>
        <translation>Server cabang terhubung</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="214"/>
        <source>Your microphone does not work</source>
        <translation>Mikrofon Anda tidak berfungsi</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="215"/>
        <source>Your loudspeaker does not work</source>
        <translation>Pengeras suara Anda tidak berfungsi</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="315"/>
        <source>Branch server unreachable: reconnecting…</source>
        <translation>Server cabang tidak terjangkau: menyambung ulang…</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="319"/>
        <source>{n} decision(s) being recorded</source>
        <translation>{n} keputusan sedang dicatat</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="351"/>
        <source>Officer {name}</source>
        <translation>Petugas: {name}</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="352"/>
        <source>Officer</source>
        <translation>Petugas</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="353"/>
        <source>lapak — officer&apos;s desk</source>
        <translation>lapak — meja petugas</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="354"/>
        <source>Accept new booths automatically</source>
        <translation>Terima bilik baru secara otomatis</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="128"/>
        <source>English</source>
        <translation>Bahasa Inggris</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="357"/>
        <source>Keys (?)</source>
        <translation>Tombol pintas (?)</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="552"/>
        <source>talk to the booth in that place (the others go on hold)</source>
        <translation>bicara dengan bilik di tempat itu (yang lain ditahan)</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="553"/>
        <source>accept a new participant</source>
        <translation>terima peserta baru</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="554"/>
        <source>put the booth on hold</source>
        <translation>tahan bilik</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="555"/>
        <source>transfer: back to the queue or to another officer</source>
        <translation>alihkan: kembali ke antrean atau ke petugas lain</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="556"/>
        <source>end the session with an outcome</source>
        <translation>akhiri sesi dengan hasilnya</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="557"/>
        <source>send a prompt to the booth&apos;s screen</source>
        <translation>kirim pesan ke layar bilik</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="558"/>
        <source>ask for the next document of the checklist</source>
        <translation>minta dokumen berikutnya dari daftar periksa</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="559"/>
        <source>cancel the document asked for</source>
        <translation>batalkan dokumen yang diminta</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="560"/>
        <source>open / close the documents</source>
        <translation>buka / tutup dokumen</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="561"/>
        <source>verify / reject the document shown</source>
        <translation>verifikasi / tolak dokumen yang tampil</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="562"/>
        <source>zoom in, out, full resolution</source>
        <translation>perbesar, perkecil, resolusi penuh</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="563"/>
        <source>fit the document / the whole still</source>
        <translation>pas ke dokumen / seluruh foto</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="564"/>
        <source>turn the document right / left</source>
        <translation>putar dokumen ke kanan / kiri</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="565"/>
        <source>side by side / the other side</source>
        <translation>berdampingan / sisi yang lain</translation>
    </message>
    <message>
        <location filename="../ui/dialogs.py" line="177"/>
        <location filename="../ui/dialogs.py" line="178"/>
        <source>Keys</source>
        <translation>Tombol pintas</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="577"/>
        <source>Close the desk?</source>
        <translation>Tutup meja?</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="578"/>
        <source>{n} booth(s) are with you. They go on hold and return to the queue if you do not come back within the grace period.</source>
        <translation>{n} bilik sedang bersama Anda. Bilik itu ditahan dan kembali ke antrean bila Anda tidak kembali dalam masa tenggang.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="22"/>
        <source>ID card (KTP)</source>
        <translation>KTP</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="23"/>
        <source>Family card (KK)</source>
        <translation>Kartu Keluarga (KK)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="24"/>
        <source>Membership card</source>
        <translation>Kartu peserta</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="25"/>
        <source>Termination letter</source>
        <translation>Surat keterangan berhenti bekerja</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="26"/>
        <source>Bank book</source>
        <translation>Buku tabungan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="27"/>
        <source>JHT claim form</source>
        <translation>Formulir klaim JHT</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="28"/>
        <source>Other document</source>
        <translation>Dokumen lain</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="35"/>
        <source>KTP</source>
        <translation>KTP</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="36"/>
        <source>KK</source>
        <translation>KK</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="37"/>
        <source>card</source>
        <translation>kartu</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="38"/>
        <source>letter</source>
        <translation>surat</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="39"/>
        <source>bank book</source>
        <translation>buku tabungan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="40"/>
        <source>form</source>
        <translation>formulir</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="41"/>
        <source>document</source>
        <translation>dokumen</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="48"/>
        <location filename="../ui/words.py" line="64"/>
        <source>no reason given</source>
        <translation>tanpa alasan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="50"/>
        <source>Unreadable (blurred, dark, glare)</source>
        <translation>Tidak terbaca (buram, gelap, silau)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="51"/>
        <source>Incomplete (cut off, side missing)</source>
        <translation>Tidak lengkap (terpotong, sisi hilang)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="52"/>
        <source>Covered (finger or object over it)</source>
        <translation>Tertutup (jari atau benda di atasnya)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="53"/>
        <location filename="../ui/words.py" line="69"/>
        <source>Wrong document</source>
        <translation>Dokumen salah</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="54"/>
        <location filename="../ui/words.py" line="70"/>
        <source>Expired</source>
        <translation>Kedaluwarsa</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="55"/>
        <location filename="../ui/words.py" line="71"/>
        <source>Data does not match</source>
        <translation>Data tidak cocok</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="56"/>
        <location filename="../ui/words.py" line="72"/>
        <source>Damaged</source>
        <translation>Rusak</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="57"/>
        <location filename="../ui/words.py" line="73"/>
        <source>Other reason</source>
        <translation>Alasan lain</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="66"/>
        <source>Unreadable</source>
        <translation>Tidak terbaca</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="67"/>
        <source>Incomplete</source>
        <translation>Tidak lengkap</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="68"/>
        <source>Covered</source>
        <translation>Tertutup</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="80"/>
        <source>Complete: the claim moves on</source>
        <translation>Lengkap: klaim diproses lanjut</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="81"/>
        <source>Incomplete: documents missing or rejected</source>
        <translation>Belum lengkap: dokumen kurang atau ditolak</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="82"/>
        <source>Rejected: the claim cannot go on (say why in the note)</source>
        <translation>Ditolak: klaim tidak dapat dilanjutkan (tulis alasannya di catatan)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="83"/>
        <source>Referred to another office or channel</source>
        <translation>Dirujuk ke kantor atau layanan lain</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="84"/>
        <source>Participant left</source>
        <translation>Peserta pergi</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="85"/>
        <source>Booth offline</source>
        <translation>Bilik terputus</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="86"/>
        <source>Technical problem</source>
        <translation>Masalah teknis</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="93"/>
        <source>Reconnecting</source>
        <translation>Menyambung ulang</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="94"/>
        <source>Device fault</source>
        <translation>Perangkat rusak</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="95"/>
        <source>Hand raised</source>
        <translation>Minta bantuan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="96"/>
        <source>Still arriving</source>
        <translation>Foto sedang tiba</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="97"/>
        <source>Document asked</source>
        <translation>Dokumen diminta</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="98"/>
        <source>Talking</source>
        <translation>Bicara</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="99"/>
        <source>Waiting for you</source>
        <translation>Menunggu Anda</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="100"/>
        <source>On hold</source>
        <translation>Ditahan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="107"/>
        <source>needed</source>
        <translation>diperlukan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="108"/>
        <source>asked, being placed</source>
        <translation>diminta, sedang ditaruh</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="109"/>
        <source>arriving</source>
        <translation>sedang tiba</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="110"/>
        <source>check it</source>
        <translation>periksa</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="111"/>
        <source>verified</source>
        <translation>terverifikasi</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="112"/>
        <source>rejected</source>
        <translation>ditolak</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="119"/>
        <source>link …</source>
        <translation>koneksi …</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="121"/>
        <source>link weak</source>
        <translation>koneksi lemah</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="120"/>
        <source>link good</source>
        <translation>koneksi baik</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="122"/>
        <source>link bad</source>
        <translation>koneksi buruk</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="128"/>
        <source>Bahasa Indonesia</source>
        <translation>Bahasa Indonesia</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="139"/>
        <source>JHT claim</source>
        <translation>Klaim JHT</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="145"/>
        <source>Booking</source>
        <translation>Reservasi</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="145"/>
        <source>Walk-in</source>
        <translation>Datang langsung</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="151"/>
        <source>Greeting</source>
        <translation>Salam</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="152"/>
        <source>Place the document</source>
        <translation>Taruh dokumen</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="153"/>
        <source>Please wait</source>
        <translation>Mohon tunggu</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="154"/>
        <source>Speak louder</source>
        <translation>Bicara lebih keras</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="155"/>
        <source>Thank you</source>
        <translation>Terima kasih</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="163"/>
        <source>Face camera</source>
        <translation>Kamera wajah</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="164"/>
        <source>Document camera</source>
        <translation>Kamera dokumen</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="165"/>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="166"/>
        <source>Call button</source>
        <translation>Tombol panggil</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="167"/>
        <source>Status light</source>
        <translation>Lampu status</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="168"/>
        <source>Receipt printer</source>
        <translation>Printer tanda terima</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="194"/>
        <source>{ticket} is no longer on your desk (the server moved it on)</source>
        <translation>{ticket} tidak lagi di meja Anda (server memindahkannya)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="195"/>
        <source>{ticket}: the server may not have received your last action; check the tile</source>
        <translation>{ticket}: server mungkin belum menerima tindakan terakhir Anda; periksa kotaknya</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="196"/>
        <source>{ticket} left your desk</source>
        <translation>{ticket} meninggalkan meja Anda</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="197"/>
        <source>No free place on your desk for {ticket}; it stays in the queue</source>
        <translation>Tidak ada tempat kosong di meja Anda untuk {ticket}; tetap di antrean</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="198"/>
        <source>{ticket}: the decision on {document} was not recorded: {detail}</source>
        <translation>{ticket}: keputusan atas {document} tidak tercatat: {detail}</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="199"/>
        <source>{ticket}: the server refused: {detail}</source>
        <translation>{ticket}: server menolak: {detail}</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="200"/>
        <source>{ticket}: {document} did not arrive ({detail}); ask again</source>
        <translation>{ticket}: {document} tidak tiba ({detail}); minta lagi</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="201"/>
        <source>{ticket}: wait until your decisions are recorded, then transfer</source>
        <translation>{ticket}: tunggu sampai keputusan Anda tercatat, lalu alihkan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="202"/>
        <source>{ticket} is not complete: documents missing. Pick another outcome</source>
        <translation>{ticket} belum lengkap: dokumen kurang. Pilih hasil lain</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="203"/>
        <source>{ticket}: there is no new still of {document} to decide on</source>
        <translation>{ticket}: tidak ada foto baru {document} untuk diputuskan</translation>
    </message>
</context>
</TS>
